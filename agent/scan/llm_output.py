"""Where a model's output goes: the dangerous sinks a request's reply reaches in a function.

Within one function, a value is model output when it holds an SDK request
(:mod:`agent.scan.llm_calls`) or a name assigned from model output, through any expression
(``reply.choices[0].message.content.strip()``, ``json.loads(text)``), except inside a call
that makes it inert (``int``, ``float``, ``len``, ``escape``, ``quote``, a function named
``validate...``/``sanitize...``...), and except a name the function checks in an ``if``
that raises or returns, or in an ``assert`` (validated against an allow-list). A module
function that returns model output is itself a source for the other functions.

A sink is where such a value becomes code or a command (OWASP LLM05 "improper output
handling"): ``eval``/``exec``/``compile``; a subprocess, ``os.system``/``popen``/``exec*``;
SQL text (``<cursor>.execute(text)``, ``sqlalchemy.text``); HTML without escaping
(``render_template_string``, ``Markup``, ``mark_safe``, or a returned HTML f-string); a file
path (``open``, ``Path``, ``os.remove``...); a deserializer (``pickle``, ``marshal``,
``yaml.load`` without a safe loader). Flows through attributes, containers and other
functions' parameters are not followed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from agent.scan.checks._names import dotted_name
from agent.scan.llm_calls import endpoint, qualified

__all__ = ["SINK_CWE", "Sink", "SinkKind", "model_output_sinks"]

SinkKind = Literal["code", "shell", "sql", "html", "path", "deserialize"]
SINK_CWE: dict[SinkKind, int] = {
    "code": 94, "shell": 78, "sql": 89, "html": 79, "path": 22, "deserialize": 502
}  # fmt: skip
_Function = ast.FunctionDef | ast.AsyncFunctionDef
_INERT = frozenset({"int", "float", "bool", "len", "escape", "quote", "clean", "literal_eval"})
_VALIDATORS = ("valid", "sanitiz", "sanitis", "allowed", "safe_", "check_", "escape")
_NO_CHECK = frozenset({"len", "bool", "str", "isinstance", "type", "print", "repr"})
_SUBPROCESS = ("run", "call", "check_call", "check_output", "Popen", "getoutput",
               "getstatusoutput")  # fmt: skip
_SINKS: dict[str, SinkKind] = {
    **{name: "code" for name in ("eval", "exec", "compile")},
    **{f"subprocess.{name}": "shell" for name in _SUBPROCESS},
    **{f"os.{name}": "shell" for name in ("system", "popen", "execv", "execvp", "execl")},
    "asyncio.create_subprocess_shell": "shell",
    "asyncio.create_subprocess_exec": "shell",
    "sqlalchemy.text": "sql",
    "flask.render_template_string": "html",
    "flask.Markup": "html",
    "markupsafe.Markup": "html",
    "django.utils.safestring.mark_safe": "html",
    "jinja2.Template": "html",
    "open": "path",
    "pathlib.Path": "path",
    **{f"os.{name}": "path" for name in ("remove", "unlink", "rmdir", "open")},
    "shutil.rmtree": "path",
    **{f"{m}.{f}": "deserialize" for m in ("pickle", "dill", "marshal") for f in ("loads", "load")},
    "yaml.load": "deserialize",
    "yaml.unsafe_load": "deserialize",
}  # fmt: skip
_SQL_METHODS = frozenset({"execute", "executemany", "executescript"})
_SAFE_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader"})


@dataclass(frozen=True)
class Sink:
    """Model output from ``source`` (a request, or a call of a function returning model
    output) reaching ``node`` (a call or a ``return``) in ``function``."""

    node: ast.AST
    kind: SinkKind
    source: ast.Call
    function: str


def model_output_sinks(tree: ast.Module, names: dict[str, str]) -> list[Sink]:
    """Every sink model output reaches in the module's functions, in source order."""
    functions = [n for n in ast.walk(tree) if isinstance(n, _Function)]
    sources: set[str] = set()
    for _ in range(3):  # functions returning model output, through up to three helpers
        sources |= {f.name for f in functions if _returns_output(f, sources)}
    found: dict[tuple[int, SinkKind], Sink] = {}  # one per line and kind: text() in execute()
    for sink in (s for f in functions for s in _sinks(f, names, sources)):
        found.setdefault((getattr(sink.node, "lineno", 0), sink.kind), sink)
    return [found[key] for key in sorted(found)]


def _tainted(function: _Function, sources: set[str]) -> dict[str, ast.Call]:
    """Local name -> the source call its model output comes from; a name the function
    validates (see ``_guarded``) is not model output any more."""
    tainted: dict[str, ast.Call] = {}
    guarded = _guarded(function)
    for _ in range(2):  # a second pass for names assigned in a loop before their use
        for node in ast.walk(function):
            value, targets = _assignment(node)
            source = _source(value, tainted, sources) if value is not None else None
            if source is not None:
                names = {n.id for t in targets for n in _names(t)} - guarded
                tainted.update(dict.fromkeys(names, source))
    return tainted


def _guarded(function: _Function) -> set[str]:
    """Names validated by an ``if`` that raises or returns, or by an ``assert``: tested
    with ``in``/``not in`` or by a call (``if not ALLOWED.fullmatch(x): raise``); a bare
    truth, ``None`` or ``len`` test is no validation."""
    names: set[str] = set()
    for node in ast.walk(function):
        aborts = isinstance(node, ast.If) and any(
            isinstance(s, ast.Raise | ast.Return | ast.Continue) for s in node.body
        )
        if aborts or isinstance(node, ast.Assert):
            names |= _validated(node.test)  # type: ignore[attr-defined]
    return names


def _validated(test: ast.expr) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(test):
        if isinstance(node, ast.Compare) and any(
            isinstance(op, ast.In | ast.NotIn) for op in node.ops
        ):
            names |= {n.id for n in _names(node.left)}
        elif isinstance(node, ast.Call) and dotted_name(node.func) not in _NO_CHECK:
            names |= {n.id for a in node.args for n in _names(a)}  # not x.strip()
    return names


def _assignment(node: ast.AST) -> tuple[ast.expr | None, list[ast.expr]]:
    if isinstance(node, ast.Assign):
        return node.value, node.targets
    if isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr) and node.value:
        return node.value, [node.target]
    if isinstance(node, ast.For | ast.AsyncFor):
        return node.iter, [node.target]
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        return node.context_expr, [node.optional_vars]
    return None, []


def _names(target: ast.expr) -> Iterator[ast.Name]:
    yield from (n for n in ast.walk(target) if isinstance(n, ast.Name))


def _source(expr: ast.expr, tainted: dict[str, ast.Call], sources: set[str]) -> ast.Call | None:
    """The source call of the model output inside ``expr``, or None."""
    stack: list[ast.AST] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call):
            name = dotted_name(node.func) or ""
            if endpoint(node.func) or name in sources:
                return node
            if _inert(name.rsplit(".", 1)[-1]):
                continue
        if isinstance(node, ast.Name) and node.id in tainted:
            return tainted[node.id]
        if not isinstance(node, ast.Lambda | _Function):
            stack.extend(ast.iter_child_nodes(node))
    return None


def _inert(name: str) -> bool:
    return name in _INERT or name.lstrip("_").startswith(_VALIDATORS)


def _returns_output(function: _Function, sources: set[str]) -> bool:
    tainted = _tainted(function, sources)
    returns = [n.value for n in ast.walk(function) if isinstance(n, ast.Return) and n.value]
    return any(_source(value, tainted, sources) is not None for value in returns)


def _sinks(function: _Function, names: dict[str, str], sources: set[str]) -> Iterator[Sink]:
    tainted = _tainted(function, sources)
    for node in ast.walk(function):
        for kind, value in _sink_values(node, names):
            source = _source(value, tainted, sources)
            if source is not None:
                yield Sink(node=node, kind=kind, source=source, function=function.name)
                break


def _sink_values(node: ast.AST, names: dict[str, str]) -> Iterator[tuple[SinkKind, ast.expr]]:
    """The values that a sink at ``node`` would run, render, open or load."""
    if isinstance(node, ast.Return) and node.value is not None and _html_text(node.value):
        yield "html", node.value
    if not isinstance(node, ast.Call):
        return
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in _SQL_METHODS and node.args:
        yield "sql", node.args[0]
        return
    kind = _SINKS.get(_sink_name(func, names) or "")
    if kind is None or (kind == "deserialize" and _safe_yaml(node)):
        return
    values = node.args if kind == "shell" else node.args[:1]
    yield from ((kind, v) for v in [*values, *(k.value for k in node.keywords if k.arg == "args")])


def _sink_name(func: ast.expr, names: dict[str, str]) -> str | None:
    """The sink's qualified name; a builtin only when no import shadows it."""
    if isinstance(func, ast.Name) and func.id in ("eval", "exec", "compile", "open"):
        return None if func.id in names else func.id
    return qualified(func, names)


def _safe_yaml(call: ast.Call) -> bool:
    loaders = [k.value for k in call.keywords if k.arg == "Loader"] + call.args[1:2]
    return any((dotted_name(v) or "").rsplit(".", 1)[-1] in _SAFE_LOADERS for v in loaders)


def _html_text(expr: ast.expr) -> bool:
    """A string built by formatting whose literal parts hold an HTML tag."""
    if isinstance(expr, ast.JoinedStr):
        parts = [v.value for v in expr.values if isinstance(v, ast.Constant)]
    elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add | ast.Mod):
        parts = [n.value for n in ast.walk(expr) if isinstance(n, ast.Constant)]
    else:
        return False
    return any(isinstance(p, str) and "<" in p and ">" in p for p in parts)
