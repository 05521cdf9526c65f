"""What a confined command may see: the view of the filesystem, as bubblewrap arguments or
as Landlock rules.

A command sees the system read-only, its worktree and its private temp dir read-write, and
read-only the interpreter it runs (its prefix, a venv's base interpreter, the directories a
venv's ``.pth`` files add). It never sees the user's home, the temp and socket dirs
(``/tmp``, ``/run``, ...), the user's checkout or its ``.git``. The paths are found without
running the interpreter: a layered env's ``.pth`` runs code a dependency brought.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HIDDEN_DIRS", "SYSTEM_DIRS", "View", "bwrap_args", "landlock_rules", "view_for"]

# Hidden, not used: the temp dirs are covered so that nothing in them is reachable.
HIDDEN_DIRS = ("/home", "/root", "/tmp", "/var/tmp", "/run", "/mnt", "/media", "/srv")  # noqa: S108
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc", "/opt", "/proc")
_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty")
_SITEDIR = re.compile(r"addsitedir\(\s*(['\"])(/[^'\"]+)\1")


@dataclass(frozen=True)
class View:
    """The filesystem a confined command sees."""

    cwd: Path
    writable: tuple[Path, ...]  # the worktree and the private temp dir
    readable: tuple[Path, ...]  # the interpreter's prefixes and site dirs
    hidden: tuple[Path, ...]  # the user's checkout and its git dir, wherever they are
    network: bool = False  # share the host's network (a dependency install needs PyPI)


def view_for(
    cwd: Path,
    temp: Path,
    programs: list[Path],
    network: bool = False,
    writable: tuple[Path, ...] = (),
) -> View:
    """The view of a command run in ``cwd`` with ``temp`` as its home, running ``programs``;
    it may also write ``writable`` (harden's own scratch dirs)."""
    hidden = _checkout_of(cwd)
    found = [p for prog in programs for p in _program_paths(prog)]
    readable = [p for p in dict.fromkeys(found) if _may_read(p, hidden)]
    return View(cwd, (cwd, temp, *writable), tuple(readable), hidden, network)


def _may_read(path: Path, hidden: tuple[Path, ...]) -> bool:
    """Not inside the checkout, unless an interpreter prefix or site dir (a .venv in it);
    never a dir that holds a hidden one (``/bin/sh``'s prefix ``/`` would uncover them all).
    """
    if any(h.is_relative_to(path) for h in (*map(Path, HIDDEN_DIRS), *hidden)):
        return False
    inside = any(path.is_relative_to(h) for h in hidden)
    return not inside or (path / "pyvenv.cfg").is_file() or "site-packages" in path.parts


def bwrap_args(view: View) -> list[str]:
    """bubblewrap's options for ``view``; the command follows them after ``--``."""
    args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    hidden = [str(p) for p in view.hidden if not _under_hidden_dir(p)]
    for tmpfs in (*HIDDEN_DIRS, *hidden):
        args += ["--tmpfs", tmpfs]
    for readable in view.readable:
        args += ["--ro-bind-try", str(readable), str(readable)]
    for writable in view.writable:
        args += ["--bind", str(writable), str(writable)]
    if (view.cwd / ".git").is_dir():  # a repo of its own: its hooks and config stay as they are
        args += ["--ro-bind", str(view.cwd / ".git"), str(view.cwd / ".git")]
    args += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    args += [] if view.network else ["--unshare-net"]
    args += _root_only() if os.geteuid() == 0 else []
    args += ["--cap-drop", "ALL"]  # run by root, bwrap keeps every capability (mount, ...)
    return [*args, "--die-with-parent", "--new-session", "--chdir", str(view.cwd)]


@functools.cache
def _root_only() -> list[str]:
    """Mask what only root may read in /etc (shadow, host keys, ssl/private): run by root,
    the command is uid 0 even without capabilities, and owns those files."""
    args = []
    for parent, dirs, files in os.walk("/etc"):
        for name in list(dirs):
            if _private(os.path.join(parent, name), stat.S_IXOTH):
                args += ["--tmpfs", os.path.join(parent, name)]
                dirs.remove(name)
        for name in files:
            if _private(os.path.join(parent, name), stat.S_IROTH):
                args += ["--ro-bind", "/dev/null", os.path.join(parent, name)]
    return args


def _private(path: str, bit: int) -> bool:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISLNK(mode) and not mode & bit


def landlock_rules(view: View) -> dict[str, list[str]]:
    """Paths Landlock lets the command read (and run), and read and write."""
    readable = [p for p in (*SYSTEM_DIRS, *map(str, view.readable)) if os.path.exists(p)]
    devices = [p for p in _DEVICES if os.path.exists(p)]
    return {"read": readable, "write": [*map(str, view.writable), *devices]}


def _program_paths(program: Path) -> list[Path]:
    """The prefixes (and their site dirs) ``program`` needs, following its symlinks; and
    each file itself, for a script whose folder may not be shown (it holds the checkout)."""
    found: list[Path] = []
    for exe in _link_chain(program):
        prefix = exe.parent.parent if exe.parent.name == "bin" else exe.parent
        lone_script = exe.parent.name != "bin" and exe.is_file() and not exe.is_symlink()
        found += [*([exe] if lone_script else []), prefix, *_venv_paths(prefix)]
    return found


def _link_chain(path: Path) -> list[Path]:
    """``path``, each symlink it goes through, and where it ends (absolute, at most 40)."""
    chain = [Path(os.path.abspath(path))]
    while chain[-1].is_symlink() and len(chain) < 40:
        chain.append(Path(os.path.normpath(chain[-1].parent / os.readlink(chain[-1]))))
    return [*chain, Path(os.path.realpath(path))]


def _venv_paths(prefix: Path) -> list[Path]:
    """A venv's base interpreter and the directories its ``.pth`` files add."""
    cfg = prefix / "pyvenv.cfg"
    if not cfg.is_file():
        return []
    found: list[Path] = []
    for line in cfg.read_text(encoding="utf-8", errors="replace").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home" and value.strip():
            found += _program_paths(Path(value.strip()) / "python")
    for pth in prefix.glob("lib/python*/site-packages/*.pth"):
        found += _pth_dirs(pth)
    return found


def _pth_dirs(pth: Path) -> list[Path]:
    """The absolute directories a ``.pth`` file adds (plain lines, or site.addsitedir)."""
    found = []
    for line in pth.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("/"):
            found.append(Path(line.strip()))
        found += [Path(m.group(2)) for m in _SITEDIR.finditer(line)]
    dirs = [p for p in found if p.is_dir()]
    return dirs + [target for d in dirs for target in _link_targets(d)]


def _link_targets(directory: Path) -> list[Path]:
    """Where the symlinked packages of a layer's dir lead (e.g. harden's own coverage.py)."""
    return [Path(os.path.realpath(c)) for c in directory.iterdir() if c.is_symlink()]


def _checkout_of(cwd: Path) -> tuple[Path, ...]:
    """The checkout (and git dir) a worktree at ``cwd`` belongs to; () for a plain repo."""
    dot_git = cwd / ".git"
    if not dot_git.is_file():
        return ()
    text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
    gitdir = Path(text.removeprefix("gitdir:").strip())
    gitdir = gitdir if gitdir.is_absolute() else cwd / gitdir
    common_file = gitdir / "commondir"
    common = gitdir
    if common_file.is_file():
        common = gitdir / common_file.read_text(encoding="utf-8").strip()
    common = Path(os.path.realpath(common))
    hidden = [common, common.parent] if common.name == ".git" else [common]
    return tuple(p for p in hidden if p not in (Path("/"), cwd))


def _under_hidden_dir(path: Path) -> bool:
    return any(path.is_relative_to(d) for d in HIDDEN_DIRS)
