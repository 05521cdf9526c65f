from pathlib import Path

import pytest

from app.config import load_config


def test_corrupt_config_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"workers": 8,')
    with pytest.raises(ValueError):
        load_config(path)
