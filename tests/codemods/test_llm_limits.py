"""harden:llm-limits: a timeout and a token cap on LLM requests, max_retries on clients."""

from __future__ import annotations

from pathlib import Path

from agent.fix.codemod_fixer import attempt_codemods
from agent.scan import scan
from tests.codemods.helpers import new_findings, run_fix

RULES = {"HA102", "HA103", "HA104"}


def test_inline_client_and_request_get_every_limit(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        from openai import OpenAI


        def ask(prompt):
            reply = OpenAI().chat.completions.create(model="m", messages=[])
            print(reply.usage)
            return reply.choices[0].message.content
        """,
        RULES,
    )
    assert out.after.splitlines()[4] == (
        "    reply = OpenAI(max_retries=2).chat.completions.create("
        'model="m", messages=[], max_completion_tokens=4096, timeout=60)'
    )
    assert not RULES & out.rules_after()
    assert new_findings(out) == []


def test_each_endpoint_gets_the_cap_it_takes(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        from anthropic import Anthropic
        from openai import OpenAI

        claude = Anthropic(timeout=20)
        gpt = OpenAI(timeout=20, max_retries=1)


        def both(prompt):
            one = claude.messages.create(
                model="m",
                messages=[],
            )
            two = gpt.responses.create(model="m", input=prompt)
            return one.usage, two.usage
        """,
        RULES,
    )
    assert "claude = Anthropic(timeout=20, max_retries=2)" in out.after
    assert "        messages=[],\n        max_tokens=4096,\n    )" in out.after
    assert 'gpt.responses.create(model="m", input=prompt, max_output_tokens=4096)' in out.after
    assert "timeout=60" not in out.after  # both clients have a timeout already
    assert not RULES & out.rules_after()


def test_the_legacy_api_gets_a_cap_but_its_timeout_is_refused(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import openai\n\n\ndef ask(p):\n"
        "    reply = openai.ChatCompletion.create(model='m', messages=[])\n"
        "    return reply.usage\n",
        encoding="utf-8",
    )
    found = [f for f in scan(tmp_path, ["app.py"]).findings if f.rule in RULES]
    attempt = attempt_codemods(tmp_path, "app.py", found)
    assert attempt.patch is not None
    after = attempt.patch.edits[0].after
    assert "openai.ChatCompletion.create(model='m', messages=[], max_tokens=4096)" in after
    timeout = next(f for f in found if f.rule == "HA102")
    assert "request_timeout" in attempt.refused[timeout.id]


def test_the_reply_usage_goes_to_a_log_line(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        from openai import OpenAI

        client = OpenAI(timeout=10, max_retries=2)


        def ask(prompt):
            reply = client.responses.create(model="m", input=prompt, max_output_tokens=50)
            return reply.output_text
        """,
        {"HA105"},
    )
    assert '    logger.info("ask: LLM usage %s", reply.usage)\n' in out.after
    assert "logger = logging.getLogger(__name__)" in out.after
    assert "HA105" not in out.rules_after()
    assert new_findings(out) == []


def test_a_reply_not_assigned_to_a_name_is_refused(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from openai import OpenAI\n\n\ndef ask(p):\n"
        "    return OpenAI().responses.create(model='m', input=p).output_text\n",
        encoding="utf-8",
    )
    found = [f for f in scan(tmp_path, ["app.py"]).findings if f.rule == "HA105"]
    attempt = attempt_codemods(tmp_path, "app.py", found)
    assert attempt.patch is None
    assert "not assigned to one name" in attempt.refused[found[0].id]
