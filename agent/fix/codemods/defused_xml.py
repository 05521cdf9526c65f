"""Stdlib XML parsers -> defusedxml (CWE-611/CWE-776: XXE, entity expansion bombs).

Imports are rewritten, which neutralises every parse call made through them:
``import xml.etree.ElementTree as ET`` -> ``import defusedxml.ElementTree as ET``,
``from xml.etree.ElementTree import fromstring`` -> ``from defusedxml.ElementTree
import fromstring``, ``from xml.dom import minidom`` -> ``from defusedxml import minidom``,
``import xml.sax`` -> ``import defusedxml.sax`` (uses become ``defusedxml.sax.parse``);
likewise cElementTree and pulldom. This swap happens only when the module uses nothing
from the import that defusedxml lacks (ElementTree: parse, iterparse, fromstring, XML,
XMLParser, ParseError; minidom/pulldom: parse, parseString; sax: parse, parseString,
make_parser). Otherwise (ET.Element, ET.tostring...) the import stays for building and
each targeted parse call goes through a second import: ``ET.fromstring(x)`` ->
``DET.fromstring(x)`` with ``import defusedxml.ElementTree as DET``; a from-import
hands its parse names over to a ``from defusedxml... import`` line.

defusedxml is added to requirements.txt (or pyproject's [project] dependencies).
Left alone: imports inside functions or blocks, lxml, expatbuilder/expatreader, star
imports, and modules that use a module import bare (passing ``ET`` around) or use ``xml.``
names that no ``import xml.x.y`` line of the file accounts for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from agent.fix.codemods._lib.dependency_files import dependency_edits
from agent.fix.codemods._lib.xml_bindings import Binding, dotted, module_bindings, used_chains
from agent.fix.codemods.base import CodemodSpec, HardenCommand
from agent.models import FileEdit, Finding
from agent.scan.rules import rule_number

_SWAP, _SPLIT, _MOVE = "swap", "split", "move"
_CHANGED = (_SWAP, _MOVE)


class DefuseXml(HardenCommand):
    DESCRIPTION = "Parse XML with defusedxml."

    def __init__(self, context: CodemodContext, targets: Sequence[Finding]) -> None:
        super().__init__(context, targets)
        self._bindings: list[Binding] = []
        self._mode: dict[int, str] = {}
        self._split_name: dict[str, str] = {}

    def visit_Module(self, node: cst.Module) -> bool:
        self._bindings = module_bindings(node)
        chains = used_chains(node)
        calls = [c for c in m.findall(node, m.Call()) if isinstance(c, cst.Call)]
        funcs = {f for c in calls if self.is_target(c) and (f := dotted(c.func))}
        for binding in self._bindings:
            mode = self._mode_for(binding, chains, funcs)
            if mode:
                self._mode[id(binding.alias)] = mode
        self._whole_statement_swaps()
        self._name_splits({c.split(".")[0] for c in chains})
        return bool(self._mode)

    def _mode_for(self, binding: Binding, chains: list[str], funcs: set[str]) -> str | None:
        engaged = bool(_parse_calls(binding, funcs))
        if _swappable(binding, self._bindings, chains) and (
            engaged or self.is_target(binding.statement)
        ):
            return _SWAP
        if engaged:
            return _MOVE if binding.member else _SPLIT
        return None

    def _whole_statement_swaps(self) -> None:
        """A from-import of members swaps its module: all its names go together."""
        for b in self._bindings:
            if b.member and self._mode.get(id(b.alias)) == _SWAP:
                for other in self._in_statement(b.statement):
                    self._mode[id(other.alias)] = _SWAP

    def _name_splits(self, taken: set[str]) -> None:
        for b in self._bindings:
            if self._mode.get(id(b.alias)) != _SPLIT:
                continue
            name = b.defused.module if b.dotted_import else _split_alias(b.local)
            if name.split(".")[0] in taken:
                del self._mode[id(b.alias)]
            else:
                self._split_name[b.local] = name

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def leave_Import(self, original: cst.Import, updated: cst.Import) -> cst.Import:
        swapped = {id(b.alias): b for b in self._in_statement(original, _SWAP)}
        if not swapped:
            return updated
        self._mark_swapped(original)
        names = [
            u.with_changes(name=_module_name(swapped[id(o)].defused.module))
            if id(o) in swapped
            else u
            for o, u in zip(original.names, updated.names, strict=True)
        ]
        return updated.with_changes(names=names)

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        moved = [b for b in self._in_statement(original) if self._mode.get(id(b.alias)) in _CHANGED]
        old, new = original.names, updated.names
        if not moved or isinstance(old, cst.ImportStar) or isinstance(new, cst.ImportStar):
            return updated
        self._mark_swapped(original)
        if len(moved) == len(old):
            return _from_defused(updated, moved)
        for b in moved:
            AddImportsVisitor.add_needed_import(self.context, *_from_import(b))
        gone = {id(b.alias) for b in moved}
        names = [u for o, u in zip(old, new, strict=True) if id(o) not in gone]
        names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(names=names)

    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.BaseExpression:
        name = dotted(original)
        for b in self._bindings:
            if b.dotted_import and b.local == name and self._mode.get(id(b.alias)) == _SWAP:
                return _module_name(b.defused.module)
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = dotted(original.func)
        binding = next((b for b in self._bindings if func and _parse_calls(b, {func})), None)
        mode = self._mode.get(id(binding.alias)) if binding else None
        if binding is None or func is None or mode is None:
            return updated
        self._mark(original, binding.defused.rules)
        if mode != _SPLIT:
            return updated
        new_name = self._split_name[binding.local]
        asname = None if binding.dotted_import else new_name
        AddImportsVisitor.add_needed_import(self.context, binding.defused.module, None, asname)
        new_func = new_name + func[len(binding.local) :]
        return updated.with_changes(func=cst.parse_expression(new_func))

    def _in_statement(self, statement: cst.CSTNode, mode: str | None = None) -> list[Binding]:
        return [
            b
            for b in self._bindings
            if b.statement is statement and (mode is None or self._mode.get(id(b.alias)) == mode)
        ]

    def _mark(self, node: cst.CSTNode, numbers: Iterable[str]) -> None:
        wanted = set(numbers)
        self.fixed_ids.update(f.id for f in self.targets_in(node) if rule_number(f.rule) in wanted)

    def _mark_swapped(self, statement: cst.CSTNode) -> None:
        """An import finding is fixed when its module family is no longer imported here."""
        bindings = self._in_statement(statement)
        swapped = self._in_statement(statement, _SWAP)
        kept = {r for b in bindings if b not in swapped for r in b.defused.rules}
        for b in swapped:
            self._mark(statement, b.defused.rules - kept)

    def companion_edits(self, root: Path) -> list[FileEdit]:
        return dependency_edits(root, "defusedxml")


def _parse_calls(binding: Binding, funcs: set[str]) -> set[str]:
    """The names in ``funcs`` that call a parser defusedxml provides through ``binding``."""
    provides = binding.defused.provides
    if binding.member:
        return {binding.local} & funcs if binding.member in provides else set()
    prefix = binding.local + "."
    return {f for f in funcs if f.startswith(prefix) and f[len(prefix) :] in provides}


def _swappable(binding: Binding, bindings: list[Binding], chains: list[str]) -> bool:
    provides = binding.defused.provides
    if binding.member:
        return all(b.member in provides for b in bindings if b.statement is binding.statement)
    prefix = binding.local + "."
    uses = [c for c in chains if c == binding.local or c.startswith(prefix)]
    if not all(c.startswith(prefix) and c[len(prefix) :].split(".")[0] in provides for c in uses):
        return False
    return not binding.dotted_import or _xml_chains_covered(bindings, chains)


def _xml_chains_covered(bindings: list[Binding], chains: list[str]) -> bool:
    """Every ``xml.`` name used goes through an ``import xml.x.y`` we know about."""
    prefixes = tuple(b.local + "." for b in bindings if b.dotted_import)
    return all(c.startswith(prefixes) for c in chains if c.split(".")[0] == "xml")


def _split_alias(local: str) -> str:
    return f"D{local}" if local.isupper() else f"defused_{local}"


def _module_name(path: str) -> cst.Attribute | cst.Name:
    head, _, last = path.rpartition(".")
    return cst.Attribute(_module_name(head), cst.Name(last)) if head else cst.Name(path)


def _from_import(binding: Binding) -> tuple[str, str, str | None]:
    """(module, name, asname) of the defusedxml from-import that replaces ``binding``."""
    if binding.member:
        asname = binding.local if binding.local != binding.member else None
        return binding.defused.module, binding.member, asname
    package, _, name = binding.defused.module.rpartition(".")
    return package, name, binding.local if binding.local != name else None


def _from_defused(updated: cst.ImportFrom, bindings: list[Binding]) -> cst.ImportFrom:
    """The whole statement now imports from defusedxml."""
    if isinstance(updated.names, cst.ImportStar):
        return updated
    imports = [_from_import(b) for b in bindings]
    names = [
        alias.with_changes(
            name=cst.Name(name),
            asname=_as_name(alias, asname),
        )
        for alias, (_, name, asname) in zip(updated.names, imports, strict=True)
    ]
    return updated.with_changes(module=_module_name(imports[0][0]), names=names)


def _as_name(alias: cst.ImportAlias, asname: str | None) -> cst.AsName | None:
    if asname is None:
        return None
    if alias.asname and alias.evaluated_alias == asname:
        return alias.asname
    return cst.AsName(cst.Name(asname))


SPEC = CodemodSpec(
    id="harden:defused-xml",
    title="Parse XML with defusedxml",
    rationale=(
        "The stdlib XML parsers expand entities, so untrusted XML can read local files or "
        "exhaust memory (CWE-611, CWE-776); defusedxml's drop-in parsers refuse them."
    ),
    rules=frozenset(
        {f"{tool}{n}" for tool in "SB" for n in (313, 314, 317, 318, 319)}
        | {"B405", "B406", "B408", "B409"}
    ),
    command=DefuseXml,
    dependencies=("defusedxml",),
    # reads the whole module: every use of an XML import, which a swap renames everywhere
)
