"""Load, validate and render the versioned prompts in ``prompts/``.

One file per version, ``prompts/<task>/<name>/v<N>.md``: YAML front matter (``id``,
``version``, ``description``, ``output``, ``temperature``, ``variables``) and a body whose
line ``--- user ---`` separates the stable system text from the user text. Placeholders are
``{{ name }}``; every other brace is literal, since the code we send is full of them.
Templates are strict: a declared variable the body does not use, a placeholder that is not
declared, a missing or an unknown variable at render time all raise ``PromptError``.

``prompts/prompts.lock`` holds the SHA-256 of every released version; a released file is
never edited (a change is a new version), and ``check_lock`` reports any drift.

Exception tree::

    HardenError
    └── PromptError     a prompt is unknown, malformed, or rendered with the wrong variables
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from agent.errors import HardenError
from agent.llm.base import Messages, PromptRef, RenderedPrompt
from agent.resources import bundled_dir

__all__ = [
    "LockMismatch",
    "PromptError",
    "PromptVersion",
    "check_lock",
    "list_prompts",
    "load_prompt",
    "lock_new_versions",
]

LOCK_NAME = "prompts.lock"
_LOCK_HEADER = (
    "# SHA-256 of every released prompt version. Never change an entry: a changed prompt\n"
    "# is a new version (vN+1.md), added here by agent.llm.prompts.lock_new_versions().\n"
)
USER_SEPARATOR = "--- user ---"
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_REF = re.compile(r"^(?P<id>[a-z0-9_-]+/[a-z0-9_-]+)(?:@v(?P<version>[0-9]+))?$")
_FRONT_MATTER = re.compile(r"\A---\n(?P<meta>.*?)\n---\n(?P<body>.*)\Z", re.DOTALL)


class PromptError(HardenError):
    pass


class _Meta(BaseModel):
    """A prompt file's front matter: nothing else may appear there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    version: int
    description: str
    output: str
    temperature: float
    variables: tuple[str, ...]


class PromptVersion(_Meta):
    """One released (or draft) version of a prompt, validated at load time."""

    system: str
    user: str
    content_hash: str
    path: Path

    @property
    def ref(self) -> PromptRef:
        return PromptRef(id=self.id, version=self.version, content_hash=self.content_hash)

    def render(self, variables: Mapping[str, str]) -> RenderedPrompt:
        """Fill the placeholders in one pass; values are inserted verbatim, never re-read."""
        _check_names(f"{self.ref}", set(self.variables), set(variables), "render")

        def fill(match: re.Match[str]) -> str:
            return variables[match.group(1)]

        messages = Messages(
            system=_PLACEHOLDER.sub(fill, self.system), user=_PLACEHOLDER.sub(fill, self.user)
        )
        return RenderedPrompt(ref=self.ref, messages=messages, temperature=self.temperature)


class LockMismatch(BaseModel):
    """A prompt file that disagrees with ``prompts.lock``."""

    model_config = ConfigDict(frozen=True)

    ref: str
    kind: Literal["changed", "missing", "unlocked"]
    expected: str | None
    actual: str | None

    def __str__(self) -> str:
        text = {
            "changed": "a released prompt was edited; restore it and add a new version",
            "missing": "a released prompt file is gone",
            "unlocked": "not in prompts.lock; run harden prompts --lock to release it",
        }
        return f"{self.ref}: {text[self.kind]}"


def load_prompt(ref: str, root: Path | None = None) -> PromptVersion:
    """``"fix/security@v1"`` for one version, ``"fix/security"`` for the latest."""
    match = _REF.match(ref)
    if match is None:
        raise PromptError(f"bad prompt reference {ref!r}: use <task>/<name> or <task>/<name>@vN")
    versions = [p for p in list_prompts(root) if p.id == match["id"]]
    if match["version"] is not None:
        versions = [p for p in versions if p.version == int(match["version"])]
    if not versions:
        known = ", ".join(str(p.ref) for p in list_prompts(root)) or "none"
        raise PromptError(f"unknown prompt {ref!r}; available: {known}")
    chosen = max(versions, key=lambda p: p.version)
    _check_released(chosen, root or bundled_dir("prompts"))
    return chosen


def _check_released(prompt: PromptVersion, base: Path) -> None:
    """A released version is used only as released: an edited one is refused."""
    released = _read_lock(base).get(str(prompt.ref))
    if released is not None and released != prompt.content_hash:
        raise PromptError(
            f"{prompt.ref} in {base} was edited after its release ({LOCK_NAME}); a change "
            "is a new version: restore it, copy it to the next vN.md and run harden prompts --lock"
        )


def list_prompts(root: Path | None = None) -> list[PromptVersion]:
    """Every prompt version under ``root`` (default: the bundled prompts), by id and version."""
    base = root or bundled_dir("prompts")
    if not base.is_dir():
        raise PromptError(f"no prompts folder {base} (see [tool.harden] prompts, --prompts-dir)")
    found = [_parse(path, base) for path in base.glob("*/*/v*.md")]
    return sorted(found, key=lambda p: (p.id, p.version))


def check_lock(root: Path | None = None) -> list[LockMismatch]:
    """Released versions whose file changed or vanished, and versions not yet released."""
    base = root or bundled_dir("prompts")
    locked = _read_lock(base)
    actual = {_ref_of(path, base): _sha256(path) for path in base.glob("*/*/v*.md")}
    problems = [_mismatch(ref, sha, actual.get(ref)) for ref, sha in sorted(locked.items())]
    problems += [
        _mismatch(ref, None, sha) for ref, sha in sorted(actual.items()) if ref not in locked
    ]
    return [p for p in problems if p is not None]


def lock_new_versions(root: Path | None = None) -> list[str]:
    """Add the versions missing from the lock (never changing a released hash); return them."""
    base = root or bundled_dir("prompts")
    new = [m for m in check_lock(base) if m.kind == "unlocked"]
    lines = [f'["{m.ref}"]\nsha256 = "{m.actual}"\n' for m in new]
    lock = base / LOCK_NAME
    old = lock.read_text(encoding="utf-8") if lock.is_file() else _LOCK_HEADER
    lock.write_text(old + "".join(f"\n{line}" for line in lines), encoding="utf-8")
    return [m.ref for m in new]


def _mismatch(ref: str, expected: str | None, actual: str | None) -> LockMismatch | None:
    if expected == actual:
        return None
    if expected is None:
        return LockMismatch(ref=ref, kind="unlocked", expected=None, actual=actual)
    kind: Literal["changed", "missing"] = "missing" if actual is None else "changed"
    return LockMismatch(ref=ref, kind=kind, expected=expected, actual=actual)


def _read_lock(base: Path) -> dict[str, str]:
    lock = base / LOCK_NAME
    if not lock.is_file():
        return {}
    try:
        data = tomllib.loads(lock.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise PromptError(f"{lock} is not valid TOML: {e}") from e
    return {ref: str(entry.get("sha256", "")) for ref, entry in data.items()}


def _ref_of(path: Path, base: Path) -> str:
    rel = path.relative_to(base)
    return f"{rel.parent.as_posix()}@{path.stem}"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _parse(path: Path, base: Path) -> PromptVersion:
    """Read one prompt file and check it against its path and its own declarations."""
    text = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if match is None:
        raise PromptError(f"{path}: no YAML front matter between '---' lines")
    meta = _meta(path, match["meta"])
    expected = _ref_of(path, base)
    if f"{meta.id}@v{meta.version}" != expected:
        raise PromptError(f"{path}: front matter says {meta.id}@v{meta.version}, path {expected}")
    system, user = _split(path, match["body"])
    used = set(_PLACEHOLDER.findall(system + user))
    _check_names(str(path), set(meta.variables), used, "template")
    fields = meta.model_dump()
    return PromptVersion(**fields, system=system, user=user, content_hash=_sha256(path), path=path)


def _meta(path: Path, raw: str) -> _Meta:
    try:
        return _Meta.model_validate(yaml.safe_load(raw))
    except yaml.YAMLError as e:
        raise PromptError(f"{path}: bad front matter: {e}") from e
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "front matter"
        raise PromptError(f"{path}: bad front matter: {where}: {first['msg']}") from e


def _split(path: Path, body: str) -> tuple[str, str]:
    parts = re.split(rf"^{re.escape(USER_SEPARATOR)}$\n?", body, flags=re.MULTILINE)
    if len(parts) != 2:
        raise PromptError(f"{path}: the body needs exactly one line '{USER_SEPARATOR}'")
    return parts[0].strip() + "\n", parts[1].strip() + "\n"


def _check_names(where: str, declared: set[str], given: set[str], what: str) -> None:
    """Strict variables: name what is missing and what is unknown, both at once."""
    labels = {
        "render": ("missing variables", "unknown variables"),
        "template": ("declared but not used in the template", "used but not declared"),
    }[what]
    problems = [
        f"{label}: {', '.join(sorted(names))}"
        for label, names in zip(labels, (declared - given, given - declared), strict=True)
        if names
    ]
    if problems:
        raise PromptError(f"{where}: {'; '.join(problems)}")
