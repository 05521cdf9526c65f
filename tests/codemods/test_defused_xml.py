from pathlib import Path

import pytest

from tests.codemods.helpers import run_fix

RULES = {f"{tool}{n}" for tool in "SB" for n in (313, 314, 317, 318, 319)} | {
    "B405",
    "B406",
    "B408",
    "B409",
}
XML_RULES = RULES | {"S320", "B320", "B407", "B410"}

PARSE_ONLY = """\
import xml.etree.ElementTree as ET  # stdlib parser


def read(text):
    return ET.fromstring(text).find("item")
"""


def _xml_rules(rules: set[str]) -> set[str]:
    return rules & XML_RULES


def test_module_import_is_swapped(tmp_path: Path) -> None:
    out = run_fix(tmp_path, PARSE_ONLY, RULES)
    assert out.after == PARSE_ONLY.replace(
        "import xml.etree.ElementTree as ET", "import defusedxml.ElementTree as ET"
    )
    assert {"B405", "S314"} <= {f.rule for f in out.findings_before}
    assert not _xml_rules(out.rules_after())
    assert out.patch is not None and len(out.patch.finding_ids) == 2
    assert out.patch.dependencies == ("defusedxml",)


def test_from_imports_and_dotted_imports(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import xml.sax
        from xml.dom import minidom
        from xml.etree.ElementTree import fromstring, parse


        def load(text, path, handler):
            xml.sax.parseString(text, handler)
            return minidom.parseString(text), fromstring(text), parse(path)
        """,
        RULES,
    )
    assert out.after == (
        "import defusedxml.sax\n"
        "from defusedxml import minidom\n"
        "from defusedxml.ElementTree import fromstring, parse\n"
        "\n"
        "\n"
        "def load(text, path, handler):\n"
        "    defusedxml.sax.parseString(text, handler)\n"
        "    return minidom.parseString(text), fromstring(text), parse(path)\n"
    )
    assert not _xml_rules(out.rules_after())


def test_tree_building_keeps_the_stdlib_import(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import xml.etree.ElementTree as ET
        from xml.etree.ElementTree import Element, fromstring


        def wrap(text):
            root = ET.Element("root")
            root.append(ET.fromstring(text))
            root.append(fromstring(text))
            return ET.tostring(root), Element
        """,
        RULES,
    )
    assert out.after == (
        "import xml.etree.ElementTree as ET\n"
        "from xml.etree.ElementTree import Element\n"
        "import defusedxml.ElementTree as DET\n"
        "from defusedxml.ElementTree import fromstring\n"
        "\n"
        "\n"
        "def wrap(text):\n"
        '    root = ET.Element("root")\n'
        "    root.append(DET.fromstring(text))\n"
        "    root.append(fromstring(text))\n"
        "    return ET.tostring(root), Element\n"
    )
    # the parse calls are fixed; the stdlib import, still needed to build trees, is not
    assert "S314" in {f.rule for f in out.findings_before}
    assert "S314" not in out.rules_after()
    assert "B405" in out.rules_after()
    assert out.patch is not None
    claimed = {f.rule for f in out.findings_before if f.id in out.patch.finding_ids}
    assert claimed == {"S314"}


@pytest.mark.parametrize(
    "source",
    [
        # an import inside a function is not handled
        "def read(text):\n    import xml.etree.ElementTree as ET\n    return ET.fromstring(text)\n",
        # the name the second import would take is in use
        "import xml.etree.ElementTree as ET\nDET = None\ntree = ET.tostring(ET.fromstring(data))\n",
        # only building trees: nothing defusedxml could take over
        "import xml.etree.ElementTree as ET\nroot = ET.Element('a')\n",
    ],
)
def test_unsupported_modules_are_left_alone(tmp_path: Path, source: str) -> None:
    out = run_fix(tmp_path, source, RULES)
    assert _xml_rules({f.rule for f in out.findings_before})
    assert out.patch is None


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("flask==3.0\nrequests", "flask==3.0\nrequests\ndefusedxml"),
        ("flask==3.0\n", "flask==3.0\ndefusedxml\n"),
        ("", "defusedxml\n"),
    ],
)
def test_requirements_gets_defusedxml(tmp_path: Path, before: str, after: str) -> None:
    (tmp_path / "requirements.txt").write_text(before, encoding="utf-8")
    out = run_fix(tmp_path, PARSE_ONLY, RULES)
    assert out.patch is not None
    edits = {e.path: e for e in out.patch.edits}
    assert edits["requirements.txt"].before == before
    assert edits["requirements.txt"].after == after


def test_requirements_already_listing_defusedxml_is_untouched(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("DefusedXML>=0.7\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[project]\ndependencies = []\n", encoding="utf-8")
    out = run_fix(tmp_path, PARSE_ONLY, RULES)
    assert out.patch is not None
    assert [e.path for e in out.patch.edits] == ["app.py"]


PYPROJECT_MULTILINE = """\
[build-system]
requires = ["setuptools"]

[project]
name = "app"
dependencies = [
    "flask>=3.0",
    "uvicorn[standard]",  # server
]

[tool.ruff]
line-length = 100
"""


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            PYPROJECT_MULTILINE,
            PYPROJECT_MULTILINE.replace("  # server\n", '  # server\n    "defusedxml",\n'),
        ),
        (
            '[project]\nname = "app"\ndependencies = ["flask"]\n',
            '[project]\nname = "app"\ndependencies = ["flask", "defusedxml"]\n',
        ),
        (
            '[project]\ndependencies = [\n  "flask"\n]\n',
            '[project]\ndependencies = [\n  "flask",\n  "defusedxml"\n]\n',
        ),
    ],
)
def test_pyproject_dependencies_get_defusedxml(tmp_path: Path, before: str, after: str) -> None:
    (tmp_path / "pyproject.toml").write_text(before, encoding="utf-8")
    out = run_fix(tmp_path, PARSE_ONLY, RULES)
    assert out.patch is not None
    edits = {e.path: e for e in out.patch.edits}
    assert edits["pyproject.toml"].after == after


def test_pyproject_without_project_dependencies_is_untouched(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.poetry.dependencies]\nflask = '*'\n")
    out = run_fix(tmp_path, PARSE_ONLY, RULES)
    assert out.patch is not None
    assert [e.path for e in out.patch.edits] == ["app.py"]
