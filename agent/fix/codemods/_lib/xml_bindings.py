"""What a module imports from the stdlib XML parsers, and how it uses each import.

A ``Binding`` is one imported name: a module (``import xml.etree.ElementTree as ET``,
``from xml.dom import minidom``, ``import xml.sax``, whose local name is then the dotted
``xml.sax``) or a member (``from xml.etree.ElementTree import fromstring``). ``chains``
lists every dotted name the module's code uses (``ET.fromstring``, ``xml.sax.parse``,
``print``); a bare use of a module binding shows up as the binding's own local name.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.helpers import get_full_name_for_node

__all__ = ["DEFUSED", "Binding", "Defused", "dotted", "module_bindings", "used_chains"]


@dataclass(frozen=True)
class Defused:
    """The defusedxml module replacing a stdlib one, the names it provides (defusedxml
    0.7.1), and the numbers of the rules its calls and its import are reported under."""

    module: str
    provides: frozenset[str]
    rules: frozenset[str]


_ET_NAMES = frozenset({"parse", "iterparse", "fromstring", "XML", "XMLParser", "ParseError"})
_DOM = frozenset({"parse", "parseString"})
DEFUSED: dict[str, Defused] = {
    "xml.etree.ElementTree": Defused(
        "defusedxml.ElementTree", _ET_NAMES, frozenset({"313", "314", "405"})
    ),
    "xml.etree.cElementTree": Defused(
        "defusedxml.ElementTree", _ET_NAMES, frozenset({"313", "314", "405"})
    ),
    "xml.dom.minidom": Defused("defusedxml.minidom", _DOM, frozenset({"318", "408"})),
    "xml.dom.pulldom": Defused("defusedxml.pulldom", _DOM, frozenset({"319", "409"})),
    "xml.sax": Defused(
        "defusedxml.sax",
        frozenset({"parse", "parseString", "make_parser"}),
        frozenset({"317", "406"}),
    ),
}


@dataclass(frozen=True)
class Binding:
    stdlib: str
    local: str
    statement: cst.Import | cst.ImportFrom
    alias: cst.ImportAlias
    member: str | None = None

    @property
    def defused(self) -> Defused:
        return DEFUSED[self.stdlib]

    @property
    def dotted_import(self) -> bool:
        """``import xml.sax``: the local name is the dotted path, bound through ``xml``."""
        return "." in self.local


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


def module_bindings(module: cst.Module) -> list[Binding]:
    """The XML imports at the top level of ``module`` (nested imports are not handled)."""
    found: list[Binding] = []
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                found += _import_bindings(small)
            elif isinstance(small, cst.ImportFrom):
                found += _from_bindings(small)
    return found


def _import_bindings(node: cst.Import) -> list[Binding]:
    return [
        Binding(alias.evaluated_name, alias.evaluated_alias or alias.evaluated_name, node, alias)
        for alias in node.names
        if alias.evaluated_name in DEFUSED
    ]


def _from_bindings(node: cst.ImportFrom) -> list[Binding]:
    package = get_full_name_for_node(node.module) if node.module else None
    if not package or node.relative or isinstance(node.names, cst.ImportStar):
        return []
    found = []
    for alias in node.names:
        local = alias.evaluated_alias or alias.evaluated_name
        if f"{package}.{alias.evaluated_name}" in DEFUSED:
            found.append(Binding(f"{package}.{alias.evaluated_name}", local, node, alias))
        elif package in DEFUSED:
            found.append(Binding(package, local, node, alias, member=alias.evaluated_name))
    return found


class _ChainCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.chains: list[str] = []

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        name = dotted(node)
        if name:
            self.chains.append(name)
        return name is None

    def visit_Name(self, node: cst.Name) -> None:
        self.chains.append(node.value)


def used_chains(module: cst.Module) -> list[str]:
    """Every maximal dotted name used outside import statements (conservatively)."""
    collector = _ChainCollector()
    module.visit(collector)
    return collector.chains
