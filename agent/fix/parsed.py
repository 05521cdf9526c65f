"""libcst's parse of a file, once per run: a plan or a run tries codemods on the same file
once per group of findings in it, and each try used to parse the whole file again.

libcst modules are immutable (a transform returns a new one), so a parsed module can be
handed out many times. Kept per (path, content hash), the last ``_KEPT`` files only, so a
run over a large repo does not hold every parsed file.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import libcst as cst

__all__ = ["parse_cached"]

_KEPT = 8
_parsed: OrderedDict[tuple[str, str], cst.Module] = OrderedDict()


def parse_cached(path: str, text: str) -> cst.Module:
    """``cst.parse_module(text)`` for ``path``, parsed once while it is among the last
    files asked for (raises ``cst.ParserSyntaxError`` as the parser does)."""
    key = (path, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
    module = _parsed.get(key)
    if module is None:
        module = _parsed[key] = cst.parse_module(text)
        while len(_parsed) > _KEPT:
            _parsed.popitem(last=False)
    _parsed.move_to_end(key)
    return module
