"""The replay of an unchanged ``harden plan``: answered before harden's heavy imports.

A plan that completed normally is recorded: what it printed (stdout, and stderr from its
answer on: the warnings, notes and ``--fail-on`` line, not the progress display) and its
exit code, under a key of everything its output depends on. An identical invocation later
prints the same text and exits with the same code, importing only the standard library.

The key (``inputs``): the exact arguments, the working directory, the whole environment
(but ``_`` and ``OLDPWD``, which a shell changes between commands), the ``.env`` that
``main()`` would load, which of stdin/stdout/stderr are terminals and their size and the
streams' encodings, the interpreter (path, version, flags), harden's own files and the
installed distributions (name, version, install); and the repository's state: the folder
the plan points at, its work tree's top and ``HEAD``, an empty ``git status`` (nothing
staged, changed or untracked), no tracked file flagged assume-unchanged or skip-worktree
and no tracked ``.py`` symlink (whose bytes git would not vouch for), the bytes of the
files a plan reads by name whether tracked or not (pyproject.toml, setup.cfg, setup.py,
.gitattributes, .hardenignore, requirements.txt, .env.example) and which folders of
tracked Python files hold an untracked ``__init__.py``. The repository's state is taken
before the plan reads its settings and again after it answered; it is recorded only if
both agree and the invocation's key did not change meanwhile.

Recorded only: a plan without the tests priority (it runs the repo's suite), without a
model (its estimates read prompts, prices and token encodings), without ``--since`` (a ref
can move while ``HEAD`` stays) and without ``-v`` (its log lines are not replayed), that
logged no warning and showed no Python warning while it worked, and wrote nothing to
stdout before its answer. ``harden plan --rerun`` always plans anew (and is not recorded).

The store (``store``): ``<cache dir>/replay``, a 0700 folder of the user's, one JSON file
per key (0600, written whole and renamed into place), at most ``MAX_ENTRIES``; a file that
is not a regular file of the user's with mode 0600, does not parse, or names another key
is ignored and the plan runs.
"""
