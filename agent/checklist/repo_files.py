"""Facts from the repository's other tracked files: docs, env examples, committed secrets.

- documented variables: every word of the env example files (``.env.example``,
  ``.env.sample``, ``.env.template``, ``.env.dist``, ``env.example``, ``example.env``, at
  any depth) and of every README;
- a rollback plan: a line saying "rollback" / "roll back" in a tracked Markdown, reST,
  AsciiDoc or text document;
- committed secrets: a tracked ``.env`` (not an example), a private key or keystore file,
  and a secret (harden's own detector, agent.redaction) in a tracked config file, outside
  the tests (a fixture's fake key is not deployed). The evidence never holds the secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from agent.checklist.model import Evidence
from agent.redaction.secrets import find_secrets
from agent.scan.files import is_test_file

__all__ = ["committed_secrets", "documented_names", "documents", "env_docs", "rollback_docs"]

_ENV_EXAMPLES = frozenset({".env.example", ".env.sample", ".env.template", ".env.dist",
                           "env.example", "example.env", ".env.defaults"})  # fmt: skip
_DOC_SUFFIXES = frozenset({".md", ".rst", ".txt", ".adoc", ""})
_CONFIG_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".toml", ".ini", ".cfg", ".conf",
                              ".properties"})  # fmt: skip
_KEY_SUFFIXES = frozenset({".pem", ".key", ".p12", ".pfx", ".jks", ".keystore"})
_KEY_NAMES = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"})
_ROLLBACK = re.compile(r"(?i)\broll[- ]?back|\brolling back\b")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_BYTES = 512_000
_MAX_HITS = 5


def env_docs(tracked: Iterable[str]) -> list[str]:
    """The files that document environment variables: env examples and READMEs."""
    return sorted(p for p in tracked if _name(p) in _ENV_EXAMPLES or _is_readme(p))


def documented_names(root: Path, docs: Iterable[str]) -> frozenset[str]:
    return frozenset(word for path in docs for word in _WORD.findall(_read(root / path)))


def documents(tracked: Iterable[str]) -> list[str]:
    return sorted(p for p in tracked if _is_document(p))


def rollback_docs(root: Path, tracked: Iterable[str]) -> list[Evidence]:
    """Lines of the documents that speak of rolling back (at most a few)."""
    hits: list[Evidence] = []
    for path in documents(tracked):
        hits += _lines(root, path, _ROLLBACK)
        if len(hits) >= _MAX_HITS:
            break
    return hits[:_MAX_HITS]


def committed_secrets(root: Path, tracked: Iterable[str]) -> list[Evidence]:
    found: list[Evidence] = []
    for path in (p for p in tracked if not is_test_file(p)):
        if why := _secret_file(path):
            found.append(Evidence(path=path, text=why))
        elif PurePosixPath(path).suffix in _CONFIG_SUFFIXES:
            found += _secrets_in(root, path)
    return found


def _secret_file(path: str) -> str | None:
    name = _name(path)
    if (name == ".env" or name.startswith(".env.")) and name not in _ENV_EXAMPLES:
        return "an environment file is committed (its values are in the history)"
    if name in _KEY_NAMES or PurePosixPath(name).suffix in _KEY_SUFFIXES:
        return "a private key or keystore file is committed"
    return None


def _secrets_in(root: Path, path: str) -> Iterator[Evidence]:
    text = _read(root / path)
    for secret in dict.fromkeys(find_secrets(text)):
        line = text.count("\n", 0, text.find(secret)) + 1
        yield Evidence(path=path, line=line, text="a secret-like value (not shown)")


def _lines(root: Path, path: str, pattern: re.Pattern[str]) -> list[Evidence]:
    lines = _read(root / path).splitlines()
    return [
        Evidence(path=path, line=n, text=line.strip()[:160])
        for n, line in enumerate(lines, 1)
        if pattern.search(line)
    ]


def _name(path: str) -> str:
    return PurePosixPath(path).name


def _is_readme(path: str) -> bool:
    return _name(path).lower().startswith("readme")


def _is_document(path: str) -> bool:
    pure = PurePosixPath(path)
    return pure.suffix.lower() in _DOC_SUFFIXES and (bool(pure.suffix) or _is_readme(path))


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > _MAX_BYTES:
            return ""
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
