"""The typed results of ``agent.git.repo.Repo``: commits with their trailers, file diffs,
and who a commit is by.

Trailers are the ``Key: value`` lines of a commit message's last paragraph
(``git interpret-trailers``); harden writes them itself rather than through ``git commit
--trailer``, which would apply a repo's ``trailer.*.cmd`` configuration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import git as gitpython

__all__ = ["FALLBACK_IDENTITY", "Commit", "FileDiff", "Identity", "Trailer", "with_trailers"]

Trailer = tuple[str, str]


@dataclass(frozen=True)
class Identity:
    """Who a commit is by (author and committer)."""

    name: str
    email: str

    def env(self) -> dict[str, str]:
        """The environment that makes git use this identity for a commit."""
        return {
            "GIT_AUTHOR_NAME": self.name,
            "GIT_AUTHOR_EMAIL": self.email,
            "GIT_COMMITTER_NAME": self.name,
            "GIT_COMMITTER_EMAIL": self.email,
        }


FALLBACK_IDENTITY = Identity("harden", "harden@localhost")


@dataclass(frozen=True)
class Commit:
    """One commit of a log: its id, title line and trailers (``Key: value``, in order)."""

    sha: str
    title: str
    trailers: tuple[Trailer, ...]

    @classmethod
    def of(cls, commit: gitpython.Commit) -> Commit:
        title = commit.summary if isinstance(commit.summary, str) else commit.summary.decode()
        return cls(commit.hexsha, title, tuple(commit.trailers_list))

    def trailer_values(self, key: str) -> tuple[str, ...]:
        """The values of trailer ``key`` (matched case-insensitively, as git does)."""
        return tuple(v for k, v in self.trailers if k.lower() == key.lower())


@dataclass(frozen=True)
class FileDiff:
    """One file's change: its path before (None: added) and after (None: deleted), and
    the unified hunks (``@@ -a,b +c,d @@`` ...; empty for a binary or mode-only change)."""

    old_path: str | None
    new_path: str | None
    hunks: str

    @classmethod
    def of(cls, diff: gitpython.Diff) -> FileDiff:
        raw = diff.diff
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw or ""
        old = None if diff.new_file else diff.a_path
        return cls(old, None if diff.deleted_file else diff.b_path, text)

    @property
    def path(self) -> str:
        """The path after the change, or before it for a deleted file."""
        return self.new_path or self.old_path or ""


def with_trailers(message: str, trailers: Sequence[Trailer]) -> str:
    """``message`` with ``trailers`` added as its last paragraph."""
    for key, value in trailers:
        if not key or any(c.isspace() or c == ":" for c in key) or "\n" in value:
            raise ValueError(f"not a trailer: {key!r}: {value!r}")
    if not trailers:
        return message
    block = "\n".join(f"{key}: {value}" for key, value in trailers)
    return f"{message.rstrip()}\n\n{block}\n"
