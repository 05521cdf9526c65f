"""Run commands without a shell (CWE-78: OS command injection).

``subprocess.run(f"ls -la {path}", shell=True, capture_output=True)`` becomes
``subprocess.run(["ls", "-la", path], shell=False, capture_output=True)``; the same for
``call``, ``check_call``, ``check_output`` and ``Popen``, with the command written as a
literal, an f-string, ``%``, ``+`` or ``.format``. ``os.system(cmd)`` whose result is
unused becomes ``subprocess.run([...], check=False)``.

Interpolated values become whole arguments, so ``"x; touch pwned"`` is a file name, not a
second command. Plain names, attributes and subscripts are passed as they are (they are
almost always strings or paths; anything else makes subprocess raise TypeError, it never
runs something else); every other value, and every ``%d`` value, is wrapped in
``str(...)``.

Left alone: a command built from a model's output (:mod:`agent.scan.llm_output`): an
argument list would still run the program the model chose, so that needs validating
against an allow-list, which is the model fixer's job; a command we cannot see (a
variable), one that needs a shell (see ``_shell.split_command``: metacharacters, quotes,
globs, builtins, values glued to text), calls passing ``executable=``, and ``os.system``
whose exit status is used.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m
from libcst.codemod.visitors import AddImportsVisitor

from agent.fix.codemods._lib.shell import split_command
from agent.fix.codemods._lib.template import Value, decompose
from agent.fix.codemods.base import LOCAL, CodemodSpec, HardenCommand
from agent.scan.checks._names import imported_names
from agent.scan.llm_calls import llm_sdks
from agent.scan.llm_output import model_output_sinks
from agent.scan.parse import parse_python

_FUNCTIONS = ("run", "call", "check_call", "check_output", "Popen")
_SUBPROCESS = m.Attribute(value=m.Name("subprocess"), attr=m.OneOf(*map(m.Name, _FUNCTIONS)))
_OS_SYSTEM = m.Call(func=m.Attribute(value=m.Name("os"), attr=m.Name("system")))
_SHELL_TRUE = m.Arg(keyword=m.Name("shell"), value=m.Name("True"))
_PASSED_AS_IS = (cst.Name, cst.Attribute, cst.Subscript)


class SubprocessWithoutShell(HardenCommand):
    DESCRIPTION = "Pass subprocess commands as argument lists, without a shell."

    def visit_Module(self, node: cst.Module) -> None:
        self.model_lines = _model_output_lines(self.full_source(node))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self.is_target(original) and self.span(original)[0] in self.model_lines:
            self.refuse(original, _MODEL_OUTPUT)
            return updated
        if m.matches(original, _OS_SYSTEM):  # leave_Expr rewrites it if the status is unused
            self.refuse(original, "the exit status of os.system is used")
        if not m.matches(original.func, _SUBPROCESS) or not self.is_target(original):
            return updated
        shell = [a for a in updated.args if m.matches(a, _SHELL_TRUE)]
        argv = _argv(updated.args[0]) if updated.args else None
        why = _refusal(len(shell) == 1, argv, _has_keyword(updated, "executable"))
        if why:
            self.refuse(original, why)
            return updated
        self.mark_fixed(original)
        args = [updated.args[0].with_changes(value=argv), *updated.args[1:]]
        return updated.with_changes(args=[_no_shell(a) if a is shell[0] else a for a in args])

    def leave_Expr(self, original: cst.Expr, updated: cst.Expr) -> cst.Expr:
        call = updated.value
        if not m.matches(call, _OS_SYSTEM) or not self.is_target(original):
            return updated
        if self.span(original)[0] in self.model_lines:
            return updated  # leave_Call refused it
        if not isinstance(call, cst.Call) or len(call.args) != 1:
            return updated
        argv = _argv(call.args[0])
        if argv is None:
            self.refuse(original, _NEEDS_SHELL)
            return updated
        self.mark_fixed(original)
        AddImportsVisitor.add_needed_import(self.context, "subprocess")
        return updated.with_changes(value=_subprocess_run(call, argv))


_MODEL_OUTPUT = (
    "the command comes from model output: an argument list would still run whatever the "
    "model returned; it needs validating against an allow-list"
)
_NEEDS_SHELL = "the command needs a shell (a variable, pipes, redirections, globs, ...)"


def _model_output_lines(code: str) -> frozenset[int]:
    """The lines where model output reaches a subprocess or ``os.system``."""
    try:
        tree = parse_python(code)
    except SyntaxError:
        return frozenset()
    names = imported_names(tree)
    if not llm_sdks(names):
        return frozenset()
    sinks = model_output_sinks(tree, names)
    return frozenset(getattr(s.node, "lineno", 0) for s in sinks if s.kind == "shell")


def _refusal(one_shell: bool, argv: cst.List | None, executable: bool) -> str:
    """Why a subprocess call is left alone; empty when it can be rewritten."""
    if not one_shell:
        return "shell=True is not passed once as a plain keyword"
    if argv is None:
        return _NEEDS_SHELL
    return "the call passes executable=" if executable else ""


def _argv(arg: cst.Arg) -> cst.List | None:
    """The command of ``arg`` as a list expression, or None if a shell could matter."""
    if arg.keyword is not None or arg.star:
        return None
    parts = decompose(arg.value)
    words = split_command(parts) if parts is not None else None
    if words is None:
        return None
    return cst.List(elements=[cst.Element(_word(w)) for w in words])


def _word(word: str | Value) -> cst.BaseExpression:
    if isinstance(word, str):
        return cst.SimpleString(f'"{word}"')  # split_command allows no quote or backslash
    if isinstance(word.expr, _PASSED_AS_IS) and not word.numeric:
        return word.expr
    return cst.Call(func=cst.Name("str"), args=[cst.Arg(word.expr)])


def _has_keyword(call: cst.Call, name: str) -> bool:
    return any(a.keyword is not None and a.keyword.value == name for a in call.args)


def _no_shell(arg: cst.Arg) -> cst.Arg:
    return arg.with_changes(value=cst.Name("False"))


def _subprocess_run(system: cst.Call, argv: cst.List) -> cst.Call:
    """``subprocess.run(argv, check=False)``: like os.system, a failure does not raise."""
    check = cst.Arg(
        keyword=cst.Name("check"),
        value=cst.Name("False"),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
    return system.with_changes(
        func=cst.Attribute(value=cst.Name("subprocess"), attr=cst.Name("run")),
        args=[cst.Arg(argv, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), check],
    )


SPEC = CodemodSpec(
    id="harden:subprocess-no-shell",
    title="Run subprocess commands without a shell",
    rationale=(
        "A command string run with shell=True (or os.system) lets shell syntax inside "
        "interpolated values run other commands (CWE-78); an argument list with "
        "shell=False passes each value to the program as one literal argument."
    ),
    rules=frozenset({"S602", "B602", "S605", "B605"}),
    command=SubprocessWithoutShell,
    reads=LOCAL,
)
