"""Read and write Python source the way Python does (PEP 263, PEP 3120).

``read_source`` decodes a file by its coding line or BOM, else as UTF-8, with universal
newlines, as ``tokenize.open`` does; ``write_source`` encodes new text the same way (the
coding line of the text, else the BOM of the file it replaces, else UTF-8), so a latin-1
module stays latin-1. A file whose text cannot be encoded so raises ``SourceEncodingError``.
"""

from __future__ import annotations

import codecs
import io
import tokenize
from pathlib import Path

from agent.errors import HardenError

__all__ = [
    "SourceDecodeError",
    "SourceEncodingError",
    "encode_source",
    "is_utf8_source",
    "read_file",
    "read_or_empty",
    "read_source",
    "source_encoding",
    "write_file",
    "write_source",
]

_UTF8 = frozenset({"utf-8", "utf-8-sig"})


class SourceDecodeError(HardenError, ValueError):
    """Python could not read the file either: the message says why, in one line."""


class SourceEncodingError(HardenError, ValueError):
    """The text does not fit the encoding its file declares (or the declared one is unknown)."""


def source_encoding(data: bytes) -> str:
    """The encoding Python uses for source ``data`` (raises SyntaxError on a bad cookie)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return encoding


def read_source(path: Path) -> str:
    """The text of a Python file; SourceDecodeError if Python could not read it either."""
    data = path.read_bytes()
    try:
        encoding = source_encoding(data)
        text = data.decode(encoding)
    except SyntaxError as exc:  # no cookie and not UTF-8, or a cookie naming no codec
        raise SourceDecodeError(_cookie_problem(exc.msg)) from exc
    except UnicodeDecodeError as exc:
        raise SourceDecodeError(_cookie_problem(exc.encoding)) from exc
    return io.StringIO(text.removeprefix("\ufeff"), newline=None).read()


def _cookie_problem(detail: str) -> str:
    if "missing encoding declaration" in detail or detail.startswith("utf-8"):
        return "not UTF-8 (and no PEP 263 coding line names another encoding)"
    if detail.startswith("unknown encoding"):
        return f"cannot decode: {detail}"
    return f"not valid {detail}, the encoding its coding line declares"


def is_utf8_source(path: Path) -> bool:
    """Whether tools that read only UTF-8 (ruff) can read the file as it is."""
    try:
        return source_encoding(path.read_bytes()) in _UTF8
    except (OSError, SyntaxError):
        return True  # unreadable or a bad cookie: the scanner reports it, not this check


def encode_source(text: str, replaced: bytes | None = None) -> bytes:
    """``text`` in the encoding its coding line names, else the replaced file's BOM, else UTF-8."""
    try:
        encoding = source_encoding(text.encode("utf-8"))
    except SyntaxError as exc:
        raise SourceEncodingError(f"unknown source encoding: {exc.msg}") from exc
    if encoding == "utf-8" and replaced is not None and replaced.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        raise SourceEncodingError(
            f"{text[exc.start : exc.end]!r} cannot be written in the file's {encoding}"
        ) from exc


def write_source(path: Path, text: str) -> None:
    """Write Python ``text`` to ``path`` in the encoding Python will read it with."""
    replaced = path.read_bytes() if path.is_file() else None
    path.write_bytes(encode_source(text, replaced))


def read_file(path: Path) -> str:
    """A file a patch edits: Python source as Python reads it, anything else as UTF-8."""
    return read_source(path) if path.suffix == ".py" else path.read_text(encoding="utf-8")


def read_or_empty(path: Path) -> str:
    """``read_file``, or "" when the file cannot be read or decoded (for analyses that only
    look around the code a patch changed, where an unreadable file counts as no code)."""
    try:
        return read_file(path)
    except (OSError, UnicodeDecodeError, SourceDecodeError):
        return ""


def write_file(path: Path, text: str) -> None:
    """A file a patch writes (its folders made): Python in the encoding of its coding line
    (``write_source``), anything else as UTF-8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".py":
        write_source(path, text)
    else:
        path.write_text(text, encoding="utf-8")
