"""HA106 (the same constant prompt sent with no cache) and HA107 (a long inline prompt
with no version) on real parsed source: what fires, and the false positives they must
not report; and the bundled example, which calls no LLM, reports neither."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from agent.scan import scan
from agent.scan.checks import ai
from agent.scan.checks._walk import ModuleWalk
from agent.scan.rules import default_severity, priority_of

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HEADER = """\
import functools
import textwrap
from pathlib import Path

import anthropic
import openai
from openai import OpenAI

client = OpenAI(timeout=10, max_retries=2)
SYSTEM = "You are a helpful assistant that writes one short tip a day."
TIP = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Today's tip?"}]
LONG = "Answer as a pirate. " * 20
"""


def _rules(body: str, rule: str) -> list[int]:
    """The lines (in ``body``, 1-based) where ``rule`` fires."""
    source = HEADER + textwrap.dedent(body)
    offset = HEADER.count("\n")
    found = ai.findings("app.py", ModuleWalk(ast.parse(source)))
    return [f.line - offset for f in found if f.rule == rule]


def test_rules_are_registered_in_the_ai_priority() -> None:
    for rule in ("HA106", "HA107"):
        assert priority_of(rule).value == "ai"
        assert default_severity(rule).value == "low"


@pytest.mark.parametrize(
    "body",
    [
        # a route sending module constants
        """\
        def tip():
            reply = client.chat.completions.create(model="m", messages=TIP, max_tokens=9)
            return reply.choices[0].message.content, reply.usage
        """,
        # a local built from constants, an f-string of constants
        """\
        def tip():
            ask = [{"role": "system", "content": f"{SYSTEM} Be brief."}]
            reply = client.chat.completions.create(model="m", messages=ask, max_tokens=9)
            return reply.usage
        """,
        # anthropic, a dedented system prompt, a constant user message
        """\
        def haiku():
            claude = anthropic.Anthropic(timeout=5, max_retries=1)
            system = textwrap.dedent(SYSTEM)
            reply = claude.messages.create(
                model="m", system=system, messages=[{"role": "user", "content": "Go"}]
            )
            return reply.usage
        """,
        # the responses API and the legacy module-level call
        """\
        def motto():
            return client.responses.create(model="m", input="Our motto, please")
        """,
        """\
        def joke():
            return openai.ChatCompletion.create(model="m", messages=TIP, temperature=0)
        """,
    ],
)
def test_a_constant_prompt_sent_on_every_call_is_reported(body: str) -> None:
    lines = _rules(body, "HA106")
    lines_of = enumerate(textwrap.dedent(body).splitlines(), 1)
    request = next(i for i, t in lines_of if ".create(" in t)
    assert lines == [request]


@pytest.mark.parametrize(
    "body",
    [
        # a part of the prompt varies
        """\
        def tip(topic):
            return client.responses.create(model="m", input=f"A tip about {topic}")
        """,
        """\
        def tip(model):
            return client.responses.create(model=model, input="A tip")
        """,
        # cached: decorator, a cache dict, a module memo, global
        """\
        @functools.lru_cache(maxsize=1)
        def tip():
            return client.responses.create(model="m", input="A tip")
        """,
        """\
        @functools.cache
        def tip():
            return client.responses.create(model="m", input="A tip")
        """,
        """\
        _seen = {}
        def tip():
            if "tip" not in _seen:
                _seen["tip"] = client.responses.create(model="m", input="A tip")
            return _seen["tip"]
        """,
        """\
        _answers = {}
        def tip():
            if _answers:
                return _answers["tip"]
            return client.responses.create(model="m", input="A tip")
        """,
        """\
        _tip = None
        def tip():
            global _tip
            _tip = _tip or client.responses.create(model="m", input="A tip")
            return _tip
        """,
        """\
        def tip(store):
            hit = store.cache_get("tip")
            return hit or client.responses.create(model="m", input="A tip")
        """,
        # the provider's prompt cache
        """\
        def tip():
            return client.responses.create(model="m", input="A tip", prompt_cache_key="tip")
        """,
        """\
        def tip():
            claude = anthropic.Anthropic()
            block = {"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}
            return claude.messages.create(model="m", system=[block], messages=TIP)
        """,
        # variety is wanted
        """\
        def joke():
            return client.responses.create(model="m", input="A joke", temperature=0.9)
        """,
        """\
        def names():
            return client.chat.completions.create(model="m", messages=TIP, n=3)
        """,
        # run once: main, or called by the module itself
        """\
        def main():
            print(client.responses.create(model="m", input="A tip"))
        """,
        """\
        def startup():
            return client.responses.create(model="m", input="A greeting")
        GREETING = startup()
        """,
        # a probe of the API: the request is the point, not the answer
        """\
        def health_check():
            client.responses.create(model="m", input="ping", max_output_tokens=1)
            return "ok"
        """,
        # the messages change before they are sent, or are not constant
        """\
        def chat(question):
            history = [{"role": "system", "content": SYSTEM}]
            history.append({"role": "user", "content": question})
            return client.chat.completions.create(model="m", messages=history)
        """,
        """\
        class Bot:
            def answer(self):
                return client.responses.create(model="m", input=self.prompt)
        """,
        """\
        def tip(options):
            return client.responses.create(model="m", input="A tip", **options)
        """,
        # an empty placeholder prompt; a module constant rebound elsewhere
        """\
        def tip():
            return client.chat.completions.create(model="m", messages=[])
        """,
        """\
        PERSONA = "pirate"
        def set_persona(name):
            global PERSONA
            PERSONA = name
        def greet():
            return client.responses.create(model="m", input=PERSONA)
        """,
        # not in a function: sent once, at import
        """\
        WELCOME = client.responses.create(model="m", input="A welcome line")
        """,
    ],
)
def test_constant_prompt_false_positive_guards(body: str) -> None:
    assert _rules(body, "HA106") == []


@pytest.mark.parametrize(
    ("body", "role"),
    [
        # a long f-string at the call site
        (
            """\
            def summarize(text):
                return client.chat.completions.create(model="m", messages=[
                    {"role": "user", "content": f"Summarize this. {'Keep it short. ' * 1}"
                     "You are an expert editor who writes three bullet points of under twenty "
                     "words each, never adds facts that are not in the text, keeps names as "
                     f"written and answers in the language of the text: {text}"},
                ])
            """,
            "user",
        ),
        # a multi-line local, then a message dict
        (
            '''\
            def review(diff):
                prompt = f"""You review code.
            List bugs first.
            Then style problems.
            {diff}"""
                return client.chat.completions.create(
                    model="m", messages=[{"role": "user", "content": prompt}]
                )
            ''',
            "user",
        ),
        # anthropic's system, dedented
        (
            '''\
            def haiku(topic):
                claude = anthropic.Anthropic()
                return claude.messages.create(model="m", messages=[], system=textwrap.dedent("""
                    You are a poet.
                    You write haiku only.
                    You never rhyme.
                """))
            ''',
            "system",
        ),
        # responses' instructions, .format of a literal, at module level
        (
            '''\
            ANSWER = client.responses.create(model="m", input="hi", instructions="""Be kind.
            Be brief.
            Answer in {}.""".format("French"))
            ''',
            "system",
        ),
    ],
)
def test_a_long_inline_prompt_with_no_version_is_reported(body: str, role: str) -> None:
    source = HEADER + textwrap.dedent(body)
    found = [f for f in ai.findings("app.py", ModuleWalk(ast.parse(source))) if f.rule == "HA107"]
    assert len(found) == 1
    assert f"the {role} prompt of" in found[0].message
    assert "with no version" in found[0].message


@pytest.mark.parametrize(
    "body",
    [
        # named in a module constant, even long
        """\
        def pirate(q):
            return client.responses.create(model="m", instructions=LONG, input=q)
        """,
        # loaded from a prompt file
        """\
        def summarize(text):
            system = Path("prompts/summarize.md").read_text()
            return client.responses.create(model="m", instructions=system, input=text)
        """,
        # short
        """\
        def summarize(text):
            return client.responses.create(model="m", input=f"Summarize in one line: {text}")
        """,
        # the module versions its prompts
        """\
        SUMMARY_PROMPT_V2 = "Summarize."
        def summarize(text):
            prompt = f'''Answer as a pirate, always, in full sentences, with no lists at all.
        Never break character, even when asked to.
        The question: {text}'''
            return client.responses.create(model="m", input=prompt)
        """,
        """\
        def summarize(text):
            system = '''You are an editor.
        Write three bullets.
        Never add facts.'''
            reply = client.responses.create(model="m", instructions=system, input=text)
            log = {"prompt_version": 3, "usage": reply.usage}
            return reply, log
        """,
        # the literal states its version
        """\
        def summarize(text):
            system = '''Prompt version: 4
        You are an editor.
        Write three bullets.'''
            return client.responses.create(model="m", instructions=system, input=text)
        """,
        # the history is built elsewhere
        """\
        def chat(history):
            return client.chat.completions.create(model="m", messages=history)
        """,
    ],
)
def test_inline_prompt_false_positive_guards(body: str) -> None:
    assert _rules(body, "HA107") == []


def test_a_local_shared_by_two_requests_is_reported_once() -> None:
    body = '''\
    def both(text):
        system = """You are an editor.
    Write three bullets.
    Never add facts."""
        first = client.responses.create(model="m", instructions=system, input=text)
        second = client.responses.create(model="n", instructions=system, input=text)
        return first, second
    '''
    assert _rules(body, "HA107") == [2]


def test_test_files_are_not_checked() -> None:
    body = 'def tip():\n    return client.responses.create(model="m", input="A tip")\n'
    assert ai.findings("tests/test_app.py", ModuleWalk(ast.parse(HEADER + body))) == []


def test_the_bundled_example_reports_neither() -> None:
    """notes_app calls no LLM: the ai checks report nothing there, HA106/HA107 included."""
    files = sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.py"))
    found = scan(EXAMPLES, files).findings
    assert [f for f in found if f.rule.startswith("HA")] == []
    assert len(found) > 0  # the scan did run: the example has other findings
