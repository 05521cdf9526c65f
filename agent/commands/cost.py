"""``harden cost``: the ledger's spend per run, model and prompt version."""

from __future__ import annotations

from agent.config import Output
from agent.llm.ledger import Ledger
from agent.report.console import echo
from agent.report.console import out as _out
from agent.report.spend import cost_json, cost_table
from agent.report.tables import print_table

__all__ = ["cost_action"]


def cost_action(output: Output) -> int:
    """``harden cost``: the ledger's spend per run, model and prompt version."""
    with Ledger.default() as ledger:
        if output.as_json:
            echo(cost_json(ledger))
        elif ledger.count() == 0:
            _out.print("no model call has been recorded yet")
            return 0
        else:
            print_table(_out, cost_table(ledger))
    return 0
