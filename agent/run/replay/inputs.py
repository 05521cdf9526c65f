"""What a plan's output depends on, for the replay's key (see this package's docstring).

``invocation`` hashes what the process was started with; ``repo_state`` describes the
repository the plan reads, or is None when a replay could not be exact there (a dirty
tree, a tracked file git does not vouch for, not a repository). Standard library only,
and only its cheap part: this runs before every ``harden plan`` (no pathlib, subprocess
or typing).
"""

from __future__ import annotations

import json
import os
import sys

try:  # hashlib loads OpenSSL first, which costs more than this whole check
    from _blake2 import blake2b
except ImportError:  # pragma: no cover (an interpreter without the builtin module)
    from hashlib import blake2b

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = ["NAMED_FILES", "VOLATILE", "answer_key", "harden_code", "invocation", "repo_state"]

FORMAT = "harden-replay-1"
# Variables a shell changes between two identical commands; nothing of harden reads them.
VOLATILE = frozenset({"_", "OLDPWD"})
# The files a plan reads by name from the checkout (config, repo facts, codemod companions).
NAMED_FILES = (
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    ".gitattributes",
    ".hardenignore",
    "requirements.txt",
    ".env.example",
)
AGENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
_SYMLINK = "120000"
_INSTALLED = (".dist-info", ".egg-info", ".pth", ".egg-link")


def invocation(
    argv: list[str], environ: Mapping[str, str], cwd: str, search_path: tuple[str, ...]
) -> str:
    """The key of everything the process brings to a plan besides the repository."""
    parts = {
        "format": FORMAT,
        "argv": argv,
        "cwd": cwd,
        "environ": sorted((k, v) for k, v in environ.items() if k not in VOLATILE),
        "dotenv": _digest(os.path.join(cwd, ".env")),
        "terminal": _terminal(),
        "python": [sys.executable, sys.version, repr(sys.flags), sorted(sys._xoptions.items())],
        "harden": harden_code(AGENT, search_path),
    }
    return blake2b(json.dumps(parts, default=str).encode()).hexdigest()


def answer_key(invocation_key: str, state: dict[str, Any]) -> str:
    """The key of the answer to an invocation in one state of its repository."""
    return blake2b(json.dumps([invocation_key, state], sort_keys=True).encode()).hexdigest()


def _terminal() -> list[Any]:
    """Which standard streams are terminals, their size, and the text streams' encodings."""
    facts: list[Any] = []
    for fd in (0, 1, 2):
        try:
            facts.append([os.isatty(fd), tuple(os.get_terminal_size(fd))])
        except (OSError, ValueError):
            facts.append([False, None])
    streams = (sys.stdout, sys.stderr)
    facts += [[getattr(s, "encoding", None), getattr(s, "errors", None)] for s in streams]
    return facts


def harden_code(package: str, search_path: tuple[str, ...]) -> str:
    """The files of ``package`` and the installed distributions on ``search_path``.

    A file by path, size, inode and modification and change times (ns): an edit, a
    checkout or a reinstall changes its change time, which no user can set back; a
    distribution by its ``.dist-info`` folder, which names the version and is made anew
    by each install."""
    digest = blake2b()
    for path in sorted(_files(package)):
        info = os.stat(path)
        facts = (info.st_size, info.st_ino, info.st_mtime_ns, info.st_ctime_ns)
        digest.update(f"{os.path.relpath(path, package)}\0{facts}\0".encode())
    for folder in search_path:
        digest.update(f"\0{folder}\0{_installed(folder)}".encode())
    return digest.hexdigest()


def _files(folder: str) -> list[str]:
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                found += _files(entry.path)
            elif entry.is_file():
                found.append(entry.path)
    return found


def _installed(folder: str) -> list[tuple[str, int]]:
    try:
        with os.scandir(folder or ".") as entries:
            return sorted((e.name, e.inode()) for e in entries if e.name.endswith(_INSTALLED))
    except OSError:
        return []


def repo_state(target: str, cwd: str, environ: Mapping[str, str]) -> dict[str, Any] | None:
    """The repository a plan of ``target`` (its PATH argument) reads, or None when the
    replay cannot vouch for it."""
    folder = os.path.realpath(os.path.join(cwd, target))
    top = _git(folder, ["rev-parse", "--show-toplevel", "HEAD"], environ)
    if top is None or len(lines := top.splitlines()) != 2:
        return None
    root, head = lines
    status = ["status", "--porcelain", "-z", "--untracked-files=normal"]
    if _git(root, status, environ) != "":
        return None
    tracked = _tracked(root, environ)
    if tracked is None:
        return None
    files = {name: _digest(os.path.join(root, name)) for name in NAMED_FILES}
    files["<path>/pyproject.toml"] = _digest(os.path.join(folder, "pyproject.toml"))
    inits = _untracked_inits(root, tracked)
    return {"folder": folder, "root": root, "head": head, "files": files, "inits": inits}


def _tracked(root: str, environ: Mapping[str, str]) -> list[str] | None:
    """The tracked paths; None if one is flagged (assume-unchanged, skip-worktree,
    unmerged) or is a ``.py`` symlink: git's status does not vouch for their bytes."""
    listed = _git(root, ["ls-files", "-v", "-s", "-z"], environ)
    if listed is None:
        return None
    paths = []
    for record in filter(None, listed.split("\0")):
        info, _, path = record.partition("\t")
        tag, mode = info.split(" ")[:2]
        if tag != "H" or (mode == _SYMLINK and path.endswith(".py")):
            return None
        paths.append(path)
    return paths


def _untracked_inits(root: str, tracked: list[str]) -> list[str]:
    """Folders of tracked Python files holding an ``__init__.py`` git does not track (the
    scan asks which folders are packages)."""
    known = set(tracked)
    folders: set[str] = set()
    for path in tracked:
        if path.endswith(".py"):
            parts = path.split("/")[:-1]
            folders.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return sorted(
        f
        for f in folders
        if f"{f}/__init__.py" not in known and os.path.exists(os.path.join(root, f, "__init__.py"))
    )


def _git(folder: str, args: list[str], environ: Mapping[str, str]) -> str | None:
    """git's stdout in ``folder``, as harden runs git (no hooks, prompts or optional
    locks); None when it fails. Spawned directly: importing subprocess costs more."""
    program = _which(environ.get("GIT_PYTHON_GIT_EXECUTABLE") or "git", environ)
    if program is None:
        return None
    argv = [program, "-C", folder, "-c", "core.hooksPath=/dev/null", *args]
    read, write = os.pipe()
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, write, 1),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
    ]
    try:
        pid = os.posix_spawn(program, argv, {**environ, **_GIT_ENV}, file_actions=actions)
    except OSError:
        os.close(read)
        return None
    finally:
        os.close(write)
    with os.fdopen(read, "rb") as out:
        data = out.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None
    return data.decode("utf-8", errors="surrogateescape")


def _which(program: str, environ: Mapping[str, str]) -> str | None:
    """``program`` as the started environment's PATH finds it (as GitPython would)."""
    if os.sep in program:
        return program
    for folder in environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(folder or ".", program)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _digest(path: str) -> str | None:
    """A digest (BLAKE2b) of a file's bytes; None when it is absent or not a readable file."""
    try:
        with open(path, "rb") as source:
            return blake2b(source.read()).hexdigest()
    except OSError:
        return None
