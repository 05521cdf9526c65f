"""yaml.load -> yaml.safe_load (CWE-20: constructing arbitrary Python objects from input).

``yaml.load(stream)`` and ``yaml.load(stream, Loader=yaml.Loader)`` (or FullLoader,
UnsafeLoader) become ``yaml.safe_load(stream)``. A call that passes a custom loader we do
not recognise is left alone.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from agent.fix.codemods.base import LOCAL, CodemodSpec, HardenCommand

_UNSAFE_LOADERS = {"Loader", "FullLoader", "UnsafeLoader", "CLoader", "CFullLoader"}


class YamlSafeLoad(HardenCommand):
    DESCRIPTION = "Use yaml.safe_load instead of yaml.load."

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not m.matches(original.func, m.Attribute(value=m.Name("yaml"), attr=m.Name("load"))):
            return updated
        if not self.is_target(original):
            return updated
        stream = [a for a in updated.args if a.keyword is None]
        loader = [a for a in updated.args if a.keyword and a.keyword.value == "Loader"]
        if len(stream) != 1 or len(updated.args) != len(stream) + len(loader):
            return updated
        if loader and not _is_known_loader(loader[0].value):
            return updated
        func = updated.func
        if not isinstance(func, cst.Attribute):  # guaranteed by the matcher above
            return updated
        self.mark_fixed(original)
        return updated.with_changes(
            func=func.with_changes(attr=cst.Name("safe_load")),
            args=[stream[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)],
        )


def _is_known_loader(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Attribute):
        return value.attr.value in _UNSAFE_LOADERS or value.attr.value == "SafeLoader"
    return isinstance(value, cst.Name) and value.value in _UNSAFE_LOADERS


SPEC = CodemodSpec(
    id="harden:yaml-safe-load",
    title="Load YAML with yaml.safe_load",
    rationale=(
        "yaml.load with a full loader can construct arbitrary Python objects from the "
        "document (CWE-20); safe_load builds only plain data."
    ),
    rules=frozenset({"S506", "B506"}),
    command=YamlSafeLoad,
    reads=LOCAL,
)
