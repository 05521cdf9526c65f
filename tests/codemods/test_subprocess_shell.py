import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from agent.fix.codemod_fixer import attempt_codemods
from agent.scan import scan
from tests.codemods.helpers import run_fix

RULES = {"S602"}


def fixed_line(tmp_path: Path, line: str, rules: set[str] = RULES) -> str:
    """Fix ``line`` inside a function and return the same line after the fix."""
    source = f"import os\nimport subprocess\n\n\ndef work(path, name, n):\n    {line}\n"
    out = run_fix(tmp_path, source, rules)
    assert out.patch is not None, out.findings_before
    assert not (rules & out.rules_after())
    return out.after.splitlines()[5].strip()


def test_fstring_becomes_argument_list(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import subprocess


        def listing(path):
            # list the folder
            return subprocess.run(f"ls -la {path}", shell=True, capture_output=True)  # keep
        """,
        RULES,
    )
    assert out.after == textwrap.dedent(
        """\
        import subprocess


        def listing(path):
            # list the folder
            return subprocess.run(["ls", "-la", path], shell=False, capture_output=True)  # keep
        """
    )
    assert "S602" in {f.rule for f in out.findings_before}
    assert "S602" not in out.rules_after()
    assert out.patch is not None and out.patch.finding_ids


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            'subprocess.call("git status --short", shell=True)',
            'subprocess.call(["git", "status", "--short"], shell=False)',
        ),
        (
            'subprocess.check_call("gzip -k " + path, shell=True)',
            'subprocess.check_call(["gzip", "-k", path], shell=False)',
        ),
        (
            'subprocess.check_output("head -n %d %s" % (n, path), shell=True)',
            'subprocess.check_output(["head", "-n", str(n), path], shell=False)',
        ),
        (
            'subprocess.Popen("grep {} {}".format(name, path.strip()), shell=True)',
            'subprocess.Popen(["grep", name, str(path.strip())], shell=False)',
        ),
        (
            'subprocess.run(f"tail -n {n + 1} {name.upper()}", shell=True)',
            'subprocess.run(["tail", "-n", str(n + 1), str(name.upper())], shell=False)',
        ),
        (
            'subprocess.run(f"cp  {path}\\t{name}", shell=True, check=True)',
            'subprocess.run(["cp", path, name], shell=False, check=True)',
        ),
    ],
)
def test_supported_forms(tmp_path: Path, line: str, expected: str) -> None:
    assert fixed_line(tmp_path, line) == expected


def test_multiline_call_keeps_its_layout(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import subprocess


        def convert(src, dst):
            subprocess.run(
                f"convert {src} {dst}",
                shell=True,  # no shell needed
                check=True,
            )
        """,
        RULES,
    )
    assert out.after.splitlines()[4:8] == [
        "    subprocess.run(",
        '        ["convert", src, dst],',
        "        shell=False,  # no shell needed",
        "        check=True,",
    ]
    assert "S602" not in out.rules_after()


def test_os_system_with_unused_result(tmp_path: Path) -> None:
    line = fixed_line(tmp_path, 'os.system(f"rm -f {path}")', {"S605"})
    assert line == 'subprocess.run(["rm", "-f", path], check=False)'


def test_os_system_adds_the_subprocess_import(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path, "import os\n\n\ndef clean(path):\n    os.system('rm ' + path)\n", {"S605"}
    )
    assert "import subprocess" in out.after
    assert '    subprocess.run(["rm", path], check=False)\n' in out.after
    assert "S605" not in out.rules_after()


@pytest.mark.parametrize(
    "line",
    [
        'subprocess.run(f"ls {path} | wc -l", shell=True)',
        'subprocess.run(f"cat {path} > {name}", shell=True)',
        'subprocess.run(f"rm *.tmp {path}", shell=True)',
        'subprocess.run(f"cp {path} --out={name}", shell=True)',
        'subprocess.run(f"cp {path}{name} x", shell=True)',
        "subprocess.run(f\"ls '{path}'\", shell=True)",
        'subprocess.run(f"echo $HOME {path}", shell=True)',
        'subprocess.run(f"cd {path}", shell=True)',
        'subprocess.run(f"FOO=1 make {name}", shell=True)',
        'subprocess.run(f"{name} --version", shell=True)',
        'subprocess.run(f"ls ~/{path}", shell=True)',
        'subprocess.run(f"ls {path!r}", shell=True)',
        "subprocess.run(path, shell=True)",
        'subprocess.run(f"ls {path}", shell=True, executable="/bin/bash")',
        'rc = os.system(f"ls {path}")',
    ],
)
def test_commands_needing_a_shell_are_left_alone(tmp_path: Path, line: str) -> None:
    source = f"import os\nimport subprocess\n\n\ndef work(path, name):\n    {line}\n"
    out = run_fix(tmp_path, source, RULES | {"S605"})
    assert out.findings_before
    assert out.patch is None
    assert out.after == source


def load(source: str, name: str) -> Any:
    module = ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # noqa: S102
    return module


def test_a_file_name_can_no_longer_run_a_second_command(tmp_path: Path) -> None:
    source = """\
        import subprocess


        def show(folder, name):
            return subprocess.run(f"cat {name}", shell=True, cwd=folder, capture_output=True)
        """
    out = run_fix(tmp_path, source, RULES)
    assert out.patch is not None
    evil = "notes.txt; touch pwned"
    before_dir, after_dir = tmp_path / "before", tmp_path / "after"
    before_dir.mkdir()
    after_dir.mkdir()

    load(out.before, "before").show(before_dir, evil)
    result = load(out.after, "after").show(after_dir, evil)

    assert (before_dir / "pwned").exists()
    assert not (after_dir / "pwned").exists()
    assert result.returncode != 0  # cat: no file called "notes.txt; touch pwned"
    (after_dir / evil).write_text("hello", encoding="utf-8")
    assert load(out.after, "after").show(after_dir, evil).stdout == b"hello"


MODEL_COMMAND = """\
import subprocess

from openai import OpenAI


def deploy(prompt):
    reply = OpenAI().responses.create(model="m", input=prompt)
    branch = reply.output_text.strip()
    return subprocess.run(f"git checkout {branch}", shell=True)
"""


def test_a_command_from_model_output_is_refused_not_rewritten(tmp_path: Path) -> None:
    """An argument list would still run whatever branch (or option) the model returned."""
    (tmp_path / "app.py").write_text(MODEL_COMMAND, encoding="utf-8")
    shell = [f for f in scan(tmp_path, ["app.py"]).findings if f.rule == "S602"]
    attempt = attempt_codemods(tmp_path, "app.py", shell)
    assert attempt.patch is None
    assert "the command comes from model output" in attempt.refused[shell[0].id]


def test_the_same_command_from_elsewhere_is_rewritten(tmp_path: Path) -> None:
    source = MODEL_COMMAND.replace("from openai import OpenAI", "from vcs import OpenAI")
    out = run_fix(tmp_path, source, RULES)
    assert 'subprocess.run(["git", "checkout", branch], shell=False)' in out.after
