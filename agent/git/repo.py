"""A git work tree through GitPython: refs, files at a commit, branches, worktrees, commits,
history and diffs.

``Repo`` is the user's checkout (at the run's base commit) or one of harden's worktrees.
harden reads the user's repo and writes only under ``.harden/`` (which ignores itself),
to refs named ``harden/*`` and in worktrees outside the checkout (``agent.git.worktree``);
it never pushes. Every result is typed (``agent.git.records``); the rest of harden never
builds a git command line. How git is run (hooks off, no prompts) is in
``agent.git.backend``.
"""

from __future__ import annotations

import contextlib
import functools
import tarfile
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

import git as gitpython

from agent.errors import NotARepoError, ToolError
from agent.git.backend import GIT_TIMEOUT_S, BadRevision, git_errors, open_gitpython, toplevel
from agent.git.lock import harden_dir, run_lock
from agent.git.records import FALLBACK_IDENTITY, Commit, FileDiff, Identity, Trailer, with_trailers

__all__ = ["Repo", "create_repo", "open_repo"]


class Repo:
    """A git work tree with at least one commit; ``base_commit`` is the run's base."""

    def __init__(self, root: Path, base_commit: str, subdir: str = "") -> None:
        self.root = root
        self.base_commit = base_commit
        self.subdir = subdir
        self._tracked: dict[str, tuple[str, ...]] = {}  # a commit's files never change

    @functools.cached_property
    def _repo(self) -> gitpython.Repo:
        return open_gitpython(self.root)

    def close(self) -> None:
        """Stop the git processes GitPython keeps for reading objects."""
        if "_repo" in self.__dict__:
            self.__dict__.pop("_repo").close()

    def __enter__(self) -> Repo:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the run's files under .harden/ ---------------------------------------------------
    @property
    def harden_dir(self) -> Path:
        return self.root / ".harden"

    def ensure_harden_dir(self) -> Path:
        """Create ``.harden/`` with a .gitignore that ignores everything inside it."""
        return harden_dir(self.root)

    def lock(self) -> AbstractContextManager[None]:
        """Hold ``.harden/lock`` for the run; a second run refuses at once."""
        return run_lock(self.root)

    # -- refs and files -------------------------------------------------------------------
    def head(self) -> str:
        """The commit checked out in this work tree."""
        sha = self.resolve("HEAD")
        if sha is None:
            raise ToolError(f"the repository at {self.root} has no commit checked out")
        return sha

    def resolve(self, ref: str) -> str | None:
        """The commit ``ref`` names, or None when it names none."""
        try:
            with git_errors("rev-parse"):
                return self._repo.commit(ref).hexsha
        except BadRevision:
            return None

    def tree_id(self, ref: str = "HEAD") -> str:
        """The id of the tree ``ref`` names: the same for any commit of the same content."""
        with git_errors("rev-parse"):
            return str(self._repo.commit(ref).tree.hexsha)

    def tracked_files(self, commit: str | None = None) -> list[str]:
        """Every file in ``commit`` (default: the base; not the working tree), sorted."""
        found = self._commit(commit or self.base_commit)
        if found.hexsha not in self._tracked:
            # one ``git ls-tree`` (blobs and submodules): GitPython's tree walk reads each
            # tree object in turn (0.3 s of a warm ``plan`` on django's 2,400 folders)
            listed = self._run("ls-tree", "-r", "-z", "--name-only", "--full-tree", found.hexsha)
            self._tracked[found.hexsha] = tuple(sorted(p for p in listed.split("\0") if p))
        return list(self._tracked[found.hexsha])

    def files_in_scope(self) -> list[str]:
        """The tracked files under the directory the user pointed harden at."""
        prefix = f"{self.subdir}/" if self.subdir else ""
        return [p for p in self.tracked_files() if p.startswith(prefix)]

    def read_text(self, commit: str, path: str) -> str | None:
        """The UTF-8 text of ``path`` at ``commit``; None if it is no text file there."""
        try:
            blob = self._commit(commit).tree / path
        except KeyError:
            return None
        if blob.type != "blob":
            return None
        with git_errors("cat-file"):
            data = blob.data_stream.read()
        try:
            return bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            return None

    def has_uncommitted_changes(self) -> bool:
        """Whether tracked files differ from HEAD (in the index or the working tree).

        ``git status`` with optional locks off (``agent.git.backend``) reads the index
        without refreshing it on disk; GitPython's ``is_dirty`` runs ``git diff``, which
        rewrites the user's index."""
        return bool(self._run("status", "--porcelain", "--untracked-files=no").strip())

    def checkout_holds(self, commit: str) -> bool:
        """Whether the work tree is exactly ``commit``: checked out, nothing changed in the
        index or tracked files, no untracked file (git-ignored ones aside)."""
        return self.head() == commit and not self._run("status", "--porcelain").strip()

    def ignored_files(self) -> list[str]:
        """Untracked files git ignores; an ignored folder is one entry ending in ``/``."""
        out = self._run(
            "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"
        )
        return [p for p in out.split("\0") if p]

    def index_modes(self, paths: Sequence[str]) -> dict[str, int]:
        """The mode the index records per path (``0o100755``: a program); paths relative to
        the root; untracked ones are left out."""
        out = self._run("ls-files", "-s", "-z", "--", *paths) if paths else ""
        rows = (row.split("\t", 1) for row in out.split("\0") if "\t" in row)
        return {path: int(meta.split()[0], 8) for meta, path in rows}

    def export(self, commit: str, archive: Path) -> None:
        """Write the tree of ``commit`` to ``archive`` as a tar file (``git archive``)."""
        with archive.open("wb") as out, git_errors("archive"):
            self._repo.archive(out, self._commit(commit).hexsha, format="tar")

    def extract(self, commit: str, dest: Path) -> None:
        """Write the files of ``commit`` into the folder ``dest`` (``git archive``, unpacked)."""
        archive = dest / ".harden-export.tar"
        self.export(commit, archive)
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter="data")
        archive.unlink()

    # -- branches -------------------------------------------------------------------------
    def branch_exists(self, branch: str) -> bool:
        return bool(gitpython.Head(self._repo, f"refs/heads/{branch}").is_valid())

    def create_branch(self, branch: str, at: str) -> None:
        """Create ``branch`` at commit ``at``; an existing branch is an error."""
        if self.branch_exists(branch):
            raise ToolError(f"git branch failed: a branch named '{branch}' already exists")
        with git_errors("branch"):
            self._repo.create_head(branch, self._commit(at))

    def delete_branch(self, branch: str) -> None:
        """Delete ``branch`` even if it is not merged."""
        with git_errors("branch"):
            self._repo.delete_head(branch, force=True)

    # -- worktrees ------------------------------------------------------------------------
    def add_worktree(self, path: Path, at: str, *, new_branch: str | None = None) -> None:
        """Check out ``at`` in a new worktree at ``path``: on ``new_branch`` (created at
        ``at``), else on branch ``at`` if it is one, else detached."""
        if new_branch is not None:
            where = ["-b", new_branch]
        else:
            where = [] if self.branch_exists(at) else ["--detach"]
        self._run("worktree", "add", "--quiet", *where, "--", str(path), at)

    def worktrees(self) -> list[Path]:
        """The work trees of this repository, the main one first."""
        listing = self._run("worktree", "list", "--porcelain")
        prefix = "worktree "
        return [
            Path(line[len(prefix) :]) for line in listing.splitlines() if line.startswith(prefix)
        ]

    def remove_worktree(self, path: Path) -> None:
        """Remove the worktree at ``path`` with any changes in it."""
        self._run("worktree", "remove", "--force", "--", str(path))

    def prune_worktrees(self) -> None:
        """Forget worktrees whose folder is gone."""
        self._run("worktree", "prune")

    # -- commits, history and diffs -------------------------------------------------------
    def commit(
        self,
        message: str,
        paths: Sequence[str] | None = None,
        *,
        trailers: Sequence[Trailer] = (),
        identity: Identity | None = None,
    ) -> str:
        """Stage ``paths`` (None: everything) and commit them with ``message`` and
        ``trailers``, hooks and signing off; return the commit. ``identity`` defaults to the
        user's git identity, else harden's."""
        self._run("add", *(["-A"] if paths is None else ["--", *paths]))
        env = (identity or self._identity()).env()
        text = with_trailers(message, trailers)
        self._run("commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", text, env=env)
        return self.head()

    def cherry_pick(self, commit: str) -> str:
        """Apply ``commit`` on top of this work tree's HEAD, message and author kept; return
        the new commit. A conflict is a ToolError, the cherry-pick aborted."""
        env = self._identity().env()
        for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL"):
            env.pop(key)
        try:
            self._run("cherry-pick", "--allow-empty", "--no-gpg-sign", commit, env=env)
        except ToolError:
            with contextlib.suppress(ToolError):
                self._run("cherry-pick", "--abort")  # the work tree as it was before
            raise
        return self.head()

    def rewind(self, branch: str, commit: str) -> None:
        """Check out ``branch`` in this work tree, moved to ``commit`` (what came after is
        dropped from it)."""
        self._run("checkout", "--quiet", "--force", "-B", branch, commit)

    def visit(self, commit: str) -> None:
        """Check out ``commit`` detached: the branch stays where it is."""
        self._run("checkout", "--quiet", "--force", "--detach", commit)

    def squash(self, onto: str, message: str, trailers: Sequence[Trailer] = ()) -> str:
        """Fold every commit since ``onto`` into one with ``message`` and ``trailers``."""
        self._run("reset", "--quiet", "--soft", onto)
        text = with_trailers(message, trailers)
        env = self._identity().env()
        self._run("commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", text, env=env)
        return self.head()

    def message(self, commit: str) -> str:
        """The full message of ``commit``."""
        text = self._commit(commit).message
        return text if isinstance(text, str) else text.decode("utf-8", errors="replace")

    def merge_base(self, one: str, other: str) -> str | None:
        """The best common ancestor of two commits, None when they share none."""
        with git_errors("merge-base"):
            found = self._repo.merge_base(self._commit(one), self._commit(other))
        return found[0].hexsha if found else None

    def discard_changes(self) -> None:
        """Throw away uncommitted changes and untracked files (ignored ones stay)."""
        self._run("reset", "--quiet", "--hard")
        self._run("clean", "-fdq")

    def log(self, base: str, branch: str) -> list[Commit]:
        """The commits on ``branch`` since ``base``, oldest first."""
        with git_errors("log"):
            return [
                Commit.of(c) for c in self._repo.iter_commits(f"{base}..{branch}", reverse=True)
            ]

    def count_commits(self, base: str, branch: str) -> int:
        with git_errors("rev-list"):
            return sum(1 for _ in self._repo.iter_commits(f"{base}..{branch}"))

    def diff(
        self, base: str, other: str | None = None, paths: Sequence[str] = (), context: int = 3
    ) -> list[FileDiff]:
        """What changed from ``base`` to ``other`` (None: this working tree, which git
        refreshes in its index: so only in harden's worktrees), per file; ``paths`` are
        pathspecs (``*.py``) that limit it."""
        target = None if other is None else self._commit(other)
        with git_errors("diff"):
            found = self._commit(base).diff(
                target,
                paths=list(paths) or None,
                create_patch=True,
                unified=context,
                no_textconv=True,
            )
            return [FileDiff.of(d) for d in found]

    def changed_paths(self, base: str, other: str | None = None) -> list[str]:
        """The paths that differ from ``base`` to ``other`` (None: this working tree, as
        for ``diff``)."""
        target = None if other is None else self._commit(other)
        with git_errors("diff"):
            return sorted(FileDiff.of(d).path for d in self._commit(base).diff(target))

    def changed_files(self, since: str, commit: str | None = None) -> list[str]:
        """The files added or modified from ``since`` to ``commit`` (default: the base),
        a renamed file under its new path; deleted files are left out. Sorted."""
        target = self._commit(commit or self.base_commit)
        with git_errors("diff"):
            found = self._commit(since).diff(target)
            return sorted({str(d.b_path) for d in found if not d.deleted_file and d.b_path})

    # -- inside the git package only ------------------------------------------------------
    def _commit(self, ref: str) -> gitpython.Commit:
        try:
            with git_errors("rev-parse"):
                return self._repo.commit(ref)
        except BadRevision as exc:
            raise ToolError(f"git rev-parse failed: {ref!r} names no commit") from exc

    def _identity(self) -> Identity:
        """The user's configured name and email, each falling back to harden's."""
        name = self._config("user.name") or FALLBACK_IDENTITY.name
        return Identity(name, self._config("user.email") or FALLBACK_IDENTITY.email)

    def _config(self, key: str) -> str:
        try:
            return self._run("config", "--get", key).strip()
        except ToolError:
            return ""  # not set

    def _run(self, command: str, *args: str, env: dict[str, str] | None = None) -> str:
        """Run ``git command args`` in this work tree; its stdout, or a one-line ToolError."""
        call = getattr(self._repo.git, command.replace("-", "_"))
        with git_errors(command):
            return str(call(*args, env=env, kill_after_timeout=GIT_TIMEOUT_S))


def open_repo(path: Path) -> Repo:
    """Check that ``path`` is a git repo with a commit; the base is HEAD."""
    if not path.exists():
        raise NotARepoError(f"path does not exist: {path}")
    if not path.is_dir():
        raise NotARepoError(f"not a directory: {path}")
    top = toplevel(path)
    if top is None:
        raise NotARepoError(f"not a git repository: {path} (run `git init` and commit first)")
    repo = Repo(top, "")
    head = repo.resolve("HEAD")
    if head is None:
        repo.close()
        raise NotARepoError(f"the repository at {top} has no commits yet; commit your code first")
    subdir = path.resolve().relative_to(top.resolve()).as_posix()
    repo.base_commit, repo.subdir = head, "" if subdir == "." else subdir
    return repo


def create_repo(
    path: Path, message: str, identity: Identity, *, exclude: Sequence[str] = ()
) -> Repo:
    """``git init`` the folder ``path`` on branch main, ignore ``exclude`` (patterns in
    ``.git/info/exclude``, not committed) and commit everything else."""
    with git_errors("init"):
        gitpython.Repo.init(path, initial_branch="main").close()
    if exclude:
        info = path / ".git" / "info"
        info.mkdir(parents=True, exist_ok=True)
        with (info / "exclude").open("a", encoding="utf-8") as out:
            out.write("".join(f"\n{p}" for p in exclude) + "\n")
    repo = Repo(path, "")
    repo.base_commit = repo.commit(message, identity=identity)
    return repo
