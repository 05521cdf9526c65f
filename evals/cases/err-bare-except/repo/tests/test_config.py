from pathlib import Path

from app.config import DEFAULTS, load_config


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "absent.json") == DEFAULTS


def test_values_override_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"workers": 8}')
    assert load_config(path) == {"workers": 8, "verbose": False}
