import ast
import textwrap
from pathlib import Path

from tests.codemods.helpers import run_fix

RULES = {"S201", "S104"}


def test_debug_and_host_come_from_the_environment(tmp_path: Path) -> None:
    source = """\
    from flask import Flask

    app = Flask(__name__)

    if __name__ == "__main__":
        app.run(
            host="0.0.0.0",  # all interfaces
            port=5000,
            debug=True,
        )
    """
    expected = """\
    import os

    from flask import Flask

    app = Flask(__name__)

    if __name__ == "__main__":
        app.run(
            host=os.environ.get("FLASK_RUN_HOST", "127.0.0.1"),  # all interfaces
            port=5000,
            debug=os.environ.get("FLASK_DEBUG") == "1",
        )
    """
    out = run_fix(tmp_path, source, RULES)
    assert out.after == textwrap.dedent(expected)
    assert {"S201", "S104"} <= {f.rule for f in out.findings_before}
    assert not {"S201", "S104"} & out.rules_after()
    assert out.patch is not None and len(out.patch.finding_ids) == 2


def test_os_import_added_once(tmp_path: Path) -> None:
    source = "import os\nfrom flask import Flask\napp = Flask(__name__)\napp.run(debug=True)\n"
    out = run_fix(tmp_path, source, RULES)
    assert out.after.count("import os") == 1
    assert out.after.endswith('app.run(debug=os.environ.get("FLASK_DEBUG") == "1")\n')
    assert "S201" not in out.rules_after()
    ast.parse(out.after)


def test_bind_all_outside_run_is_left_alone(tmp_path: Path) -> None:
    source = 'HOST = "0.0.0.0"\n'
    out = run_fix(tmp_path, source, RULES)
    assert "S104" in {f.rule for f in out.findings_before}
    assert out.patch is None
    assert out.after == source


def test_only_the_run_host_changes(tmp_path: Path) -> None:
    source = (
        "from flask import Flask\n"
        "app = Flask(__name__)\n"
        'DEFAULT = "0.0.0.0"\n'
        'app.run(host="0.0.0.0")\n'
    )
    out = run_fix(tmp_path, source, RULES)
    assert 'DEFAULT = "0.0.0.0"\n' in out.after
    assert 'app.run(host=os.environ.get("FLASK_RUN_HOST", "127.0.0.1"))\n' in out.after
    # after the added import and the blank line between it and the flask import
    assert [f.line for f in out.findings_after if f.rule == "S104"] == [6]
