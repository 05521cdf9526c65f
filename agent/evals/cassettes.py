"""Record and replay an eval's model exchanges as vcrpy cassettes, one per case and sample.

``evals/cassettes/<prompt>@v<N>-<sha8>/<model>/<case>-s<k>.yaml``: the first 8 hex digits
of the prompt file's SHA-256 are part of the path, so a changed prompt never replays a
recording made for another text; it finds no cassette and the eval stops (exit 2).
Requests are matched by method and path, in order, so the host of a recording does not
matter and a replay never reaches the network. Credentials are never written:
``authorization`` and ``x-api-key`` are filtered out before a cassette is saved.

vcrpy patches the HTTP layer of the SDKs (httpx2) process-wide, so cassette runs are
sequential. It is imported only when --record or --replay is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from agent.evals.errors import EvalError, MissingCassette
from agent.llm.prompts import PromptVersion

__all__ = ["FILTERED_HEADERS", "CassetteMode", "cassette_path", "use_cassette"]

CassetteMode = Literal["off", "record", "replay"]
FILTERED_HEADERS = ("authorization", "x-api-key", "openai-organization", "openai-project")
_EMPTY = "interactions: []\nversion: 1\n"


def cassette_path(root: Path, prompt: PromptVersion, model: str, case_id: str, k: int) -> Path:
    """Where the exchanges of sample ``k`` of ``case_id`` under this prompt and model live."""
    version = f"{prompt.id}@v{prompt.version}-{prompt.content_hash[:8]}"
    return root / version / model.replace("/", "-") / f"{case_id}-s{k}.yaml"


@contextmanager
def use_cassette(path: Path, mode: CassetteMode) -> Iterator[None]:
    """Record every model exchange inside the block to ``path``, or replay them from it."""
    if mode == "off":
        yield
        return
    if mode == "replay" and not path.is_file():
        raise MissingCassette(
            f"no cassette {path}: the prompt, model or case may have changed since it was "
            "recorded; record it again with --record"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode == "record":
        path.unlink(missing_ok=True)  # a new recording replaces the old one whole
    with _recorder(mode).use_cassette(str(path)):
        yield
    if mode == "record" and not path.is_file():
        path.write_text(_EMPTY, encoding="utf-8")  # no call made: replay makes none either


def _recorder(mode: CassetteMode) -> Any:
    try:
        import vcr  # type: ignore[import-untyped]
    except ImportError as exc:
        raise EvalError("--record and --replay need vcrpy: pip install 'vcrpy>=9.4'") from exc
    return vcr.VCR(
        record_mode="all" if mode == "record" else "none",
        match_on=("method", "path"),
        filter_headers=list(FILTERED_HEADERS),
        decode_compressed_response=True,
    )
