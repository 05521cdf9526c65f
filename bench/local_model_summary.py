"""What bench/local_model.sh prints: one harden run against a real local model server.

    python bench/local_model_summary.py --report R --ledger L --server-log S --modes M

Requests as the server logged them (uvicorn's access log) and as the ledger counted them,
the structured-output modes used and rejected, the model's outcomes (fixed / abstained /
failed), and seconds per call. Reads files only.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

ACCESS = re.compile(r'"POST (/v1/chat/completions)[^"]*" (\d{3})')


def main() -> None:
    args = _args()
    reports = _reports(Path(args.report))
    calls = _calls(Path(args.ledger), [r["run_id"] for r in reports])
    statuses = Counter(m.group(2) for m in ACCESS.finditer(Path(args.server_log).read_text()))
    modes = Path(args.modes)
    print("== harden against llama-cpp-python + Gemma 3 270M Q4_K_M (127.0.0.1) ==")
    codes = ", ".join(f"HTTP {code}: {n}" for code, n in sorted(statuses.items()))
    print(f"requests (server log):  {sum(statuses.values())} ({codes or 'none'})")
    print(f"requests (ledger):      {sum(c['attempts'] for c in calls)} in {len(calls)} call(s)")
    for report in reports:
        _print_report(report)
    remembered = modes.read_text().strip() if modes.exists() else "(nothing)"
    print(f"remembered mode:        {' '.join(remembered.split())}")
    print(f"call outcomes (ledger): {_counts(c['outcome'] for c in calls)}")
    print(f"modes per call:         {_counts(c['structured_mode'] or '-' for c in calls)}")
    print(f"seconds per call:       {_seconds([c['latency_s'] for c in calls if c['attempts']])}")


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    for name in ("--report", "--ledger", "--server-log", "--modes"):
        parser.add_argument(name, required=True)
    return parser.parse_args()


def _reports(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text())  # one run's report, or {"runs": [...]} for --priority all
    return list(data["runs"]) if "runs" in data else [data]


def _calls(ledger: Path, run_ids: list[str]) -> list[dict[str, Any]]:
    if not ledger.exists():
        return []
    db = sqlite3.connect(ledger)
    db.row_factory = sqlite3.Row
    marks = ", ".join("?" for _ in run_ids)
    query = f"SELECT * FROM calls WHERE run_id IN ({marks}) ORDER BY id"  # noqa: S608
    return [dict(row) for row in db.execute(query, run_ids)]


def _print_report(report: dict[str, Any]) -> None:
    fixed = sum(1 for v in report["verdicts"] if v["patch"]["model"] and _passed(v))
    kinds = Counter(o["kind"] for o in report["model_outcomes"])
    used = ", ".join(report.get("structured_output", ())) or "none"
    rejected = ", ".join(report.get("structured_rejected", ())) or "none"
    print(f"priority:               {report['priority']} (run {report['run_id']})")
    print(f"structured output:      used {used}; rejected {rejected}")
    print(
        f"model outcomes:         fixed {fixed}, abstained {kinds['abstained']}, "
        f"failed {kinds['failed']}, budget {kinds['budget']}"
    )
    reasons = Counter(
        (o["kind"], " ".join(o["reason"].split())[:150]) for o in report["model_outcomes"]
    )
    for (kind, reason), n in reasons.most_common():
        print(f"  - {kind} x{n}: {reason}")


def _counts(values: Any) -> str:
    return ", ".join(f"{k} {n}" for k, n in Counter(values).most_common()) or "none"


def _seconds(values: list[float]) -> str:
    if not values:
        return "no call reached the server"
    mean = statistics.fmean(values)
    return f"mean {mean:.1f}, min {min(values):.1f}, max {max(values):.1f} (n={len(values)})"


def _passed(verdict: dict[str, Any]) -> bool:
    return not any(stage["status"] == "failed" for stage in verdict["stages"])


if __name__ == "__main__":
    main()
