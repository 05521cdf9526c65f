"""Compare secret detectors on planted secrets and on ordinary code.

    python bench/secrets_corpus.py

Detectors: harden's own (agent/redaction/secrets.py without the library), detect-secrets with all
its plugins and default filters (as ``detect-secrets scan`` runs them), the
detect-secrets provider plugins harden uses (agent/redaction/library.py), and what harden
now uses (its own plus those). Corpora: the planted secrets of tests/secret_corpus.py
(the first corpus's files and the further kinds, one line each); ordinary code (every
line of agent/, which holds no secret) and hand-picked non-secret lines. A planted secret
is found when a hit covers its whole value; every hit on ordinary code is a false
positive (redacting it would change the code the model is asked to fix).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detect_secrets.core.scan import _process_line_based_plugins  # noqa: E402
from detect_secrets.settings import default_settings  # noqa: E402

from agent.redaction.library import library_spans  # noqa: E402
from agent.redaction.secrets import find_secrets  # noqa: E402
from tests.secret_corpus import (  # noqa: E402
    NOT_SECRET_LINES,
    corpus_files,
    more_kinds,
    planted_secrets,
)

Detector = Callable[[str], list[str]]


def ours(text: str) -> list[str]:
    return find_secrets(text, library=False)


def detect_secrets_all(text: str) -> list[str]:
    lines = list(enumerate(text.splitlines(), start=1))
    with default_settings():
        return [s.secret_value or "" for s in _process_line_based_plugins(lines, "code.py")]


def library(text: str) -> list[str]:
    return [text[start:end] for start, end in library_spans(text)]


def combined(text: str) -> list[str]:
    return find_secrets(text)


DETECTORS: dict[str, Detector] = {
    "harden own": ours,
    "detect-secrets (all plugins)": detect_secrets_all,
    "detect-secrets (providers)": library,
    "harden now (own + providers)": combined,
}


def planted_cases() -> dict[str, tuple[str, str]]:
    """name -> (text, secret): the first corpus's secrets in its files, then new kinds."""
    secrets = planted_secrets()
    files = "\n".join(corpus_files(secrets).values())
    cases = {name: (files, value) for name, value in secrets.items()}
    return cases | more_kinds()


def found(detector: Detector, text: str, secret: str) -> bool:
    return any(secret in hit for hit in detector(text) if hit)


def ordinary_files() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted((ROOT / "agent").rglob("*.py"))]


def false_positives(detector: Detector, texts: list[str]) -> list[str]:
    """The distinct hits in ``texts`` (each one a false positive)."""
    return list(dict.fromkeys(hit for text in texts for hit in detector(text) if hit))


def row(name: str, detector: Detector, code: list[str]) -> list[str]:
    started = time.monotonic()
    cases = planted_cases()
    missed = [kind for kind, (text, secret) in cases.items() if not found(detector, text, secret)]
    code_hits = false_positives(detector, code)
    tricky = [line for line in NOT_SECRET_LINES if false_positives(detector, [line])]
    took = time.monotonic() - started
    return [
        name,
        f"{len(cases) - len(missed)}/{len(cases)}",
        str(len(code_hits)),
        f"{len(tricky)}/{len(NOT_SECRET_LINES)}",
        f"{took:.1f}s",
        ", ".join(missed) or "-",
        " | ".join(tricky) or "-",
        " | ".join(repr(hit[:40]) for hit in code_hits) or "-",
    ]


def main() -> int:
    code = ordinary_files()
    lines = sum(len(text.splitlines()) for text in code)
    heads = ["detector", "planted found", f"hits in agent/ ({lines} lines)", "tricky hit"]
    heads += ["time", "missed kinds", "tricky non-secrets flagged"]
    rows = [row(name, detector, code) for name, detector in DETECTORS.items()]
    for cells in [heads, *rows]:
        sys.stdout.write("  ".join(cells[:5]) + "\n")
    for cells in rows:
        sys.stdout.write(f"\n{cells[0]}\n  missed: {cells[5]}\n  tricky flagged: {cells[6]}\n")
        sys.stdout.write(f"  hits in agent/: {cells[7]}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
