"""The environment is read in one place (agent/config.py), and .env.example names it all."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import agent.config
from agent.config import PROVIDER_VARIABLES, read_environment

ROOT = Path(__file__).resolve().parent.parent
AGENT = ROOT / "agent"
# Scripts that run in the child process of a test run read that process's own environment.
CHILD_SCRIPTS = ("sandbox/_launch.py", "sandbox/_plugin/")
# The replay of an unchanged plan runs before agent.config can be imported (pydantic): it
# hashes the whole environment into its key and finds the cache directory as
# read_environment does (tests/test_replay.py checks that the two agree).
BEFORE_CONFIG = ("run/replay/",)
_OS_ENV = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


def _env_reads(path: Path) -> list[str]:
    """``os.environ``, ``os.getenv``... and ``from os import environ`` in ``path``, by line."""
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in _OS_ENV:
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                found.append(f"{where}:{node.lineno}: os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            names = {a.name for a in node.names} & _OS_ENV
            found += [f"{where}:{node.lineno}: from os import {n}" for n in names]
    return found


def test_only_config_reads_the_environment() -> None:
    reads = [
        read
        for path in sorted(AGENT.rglob("*.py"))
        if path != AGENT / "config.py"
        and not str(path.relative_to(AGENT)).startswith(CHILD_SCRIPTS + BEFORE_CONFIG)
        for read in _env_reads(path)
    ]
    assert reads == [], "read the environment through agent.config.read_environment()"


def test_the_check_sees_every_form_of_read(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nfrom os import getenv\n\na = os.environ['A']\nb = os.getenv('B')\n"
        "c = 'os.environ.get(\"C\")'  # text that mentions it is no read\n",
        encoding="utf-8",
    )
    lines = [r.rsplit(":", 2)[1:] for r in _env_reads(sample)]
    assert sorted(lines) == [
        ["2", " from os import getenv"],
        ["4", " os.environ"],
        ["5", " os.getenv"],
    ]


def _variables_config_reads() -> set[str]:
    """Every variable name in agent/config.py: the string constants shaped like one."""
    tree = ast.parse((AGENT / "config.py").read_text(encoding="utf-8"))
    constants = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    return {
        c
        for c in constants
        if isinstance(c, str)
        and re.fullmatch(r"[A-Z][A-Z0-9_]{3,}", c)
        and not re.fullmatch(r"[A-Z]+[0-9]+", c)  # rule codes (DEFAULT_IGNORE)
        and not hasattr(agent.config, c)  # names in __all__
    }


def test_env_example_names_every_variable_config_reads() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    named = set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    read = _variables_config_reads()
    assert {"HARDEN_DEBUG", "HARDEN_SANDBOX", "TIKTOKEN_CACHE_DIR", "OPENAI_API_KEY"} <= read
    assert read - named == set(), "document these in .env.example, with a comment each"
    assert named - read == set(), ".env.example names variables harden does not read"


def test_read_environment_defaults(tmp_path: Path) -> None:
    env = read_environment({"HOME": str(tmp_path), "HARDEN_SANDBOX": ""})
    assert (env.debug, env.sandbox) == (False, "auto")  # an empty value is the default
    assert env.data_dir == tmp_path / ".local" / "share" / "harden"
    assert env.cache_dir == tmp_path / ".cache" / "harden"
    assert (env.tiktoken_cache_dir, env.virtual_env) == (None, None)
    assert dict(env.provider) == {}


def test_read_environment_reads_each_variable(tmp_path: Path) -> None:
    source = {
        "HARDEN_DEBUG": "1",
        "HARDEN_SANDBOX": "landlock",
        "XDG_DATA_HOME": "/xdg/data",
        "HARDEN_CACHE_DIR": "/own/cache",
        "XDG_CACHE_HOME": "/xdg/cache",
        "TIKTOKEN_CACHE_DIR": str(tmp_path),
        "VIRTUAL_ENV": "/venv",
        "OPENAI_API_KEY": "sk-test",
        "HARDEN_MODEL_TIMEOUT": "5",
        "UNRELATED": "x",
    }
    env = read_environment(source)
    assert (env.debug, env.sandbox) == (True, "landlock")
    assert (env.data_dir, env.cache_dir) == (Path("/xdg/data/harden"), Path("/own/cache"))
    assert (env.tiktoken_cache_dir, env.virtual_env) == (tmp_path, Path("/venv"))
    assert dict(env.provider) == {"OPENAI_API_KEY": "sk-test", "HARDEN_MODEL_TIMEOUT": "5"}
    assert set(env.provider) <= set(PROVIDER_VARIABLES)
    assert dict(env.process) == source  # the source of the tests' allow-listed environment
