"""What we know about each rule: its CWE and severity when a detector does not say.

ruff's S rules and bandit's B tests share numbers (S506 is B506), which is how one
problem reported by both becomes one Finding.
"""

from __future__ import annotations

import re

from agent.models import Priority, Severity

__all__ = [
    "RUFF_SELECT",
    "bandit_alias",
    "default_cwe",
    "default_severity",
    "model_judgement",
    "outranks_on_line",
    "priority_of",
    "rule_number",
]

# CWE and severity for security rules, following bandit's own metadata.
_SECURITY_RULES: dict[str, tuple[int, Severity]] = {
    "101": (703, Severity.LOW),
    "102": (78, Severity.MEDIUM),
    "103": (732, Severity.MEDIUM),
    "104": (605, Severity.MEDIUM),
    "105": (259, Severity.LOW),
    "106": (259, Severity.LOW),
    "107": (259, Severity.LOW),
    "108": (377, Severity.MEDIUM),
    "110": (703, Severity.LOW),
    "112": (703, Severity.LOW),
    "113": (400, Severity.MEDIUM),
    "201": (94, Severity.HIGH),
    "202": (22, Severity.HIGH),
    "301": (502, Severity.MEDIUM),
    "302": (502, Severity.MEDIUM),
    "303": (327, Severity.MEDIUM),
    "304": (327, Severity.HIGH),
    "306": (377, Severity.MEDIUM),
    "307": (78, Severity.MEDIUM),
    "308": (79, Severity.MEDIUM),
    "310": (22, Severity.MEDIUM),
    "311": (330, Severity.LOW),
    "312": (319, Severity.HIGH),
    "313": (20, Severity.MEDIUM),
    "314": (20, Severity.MEDIUM),
    "315": (20, Severity.MEDIUM),
    "316": (20, Severity.MEDIUM),
    "317": (20, Severity.MEDIUM),
    "318": (20, Severity.MEDIUM),
    "319": (20, Severity.MEDIUM),
    "320": (20, Severity.MEDIUM),
    "321": (319, Severity.HIGH),
    "323": (295, Severity.MEDIUM),
    "324": (327, Severity.HIGH),
    "501": (295, Severity.HIGH),
    "502": (327, Severity.HIGH),
    "503": (327, Severity.MEDIUM),
    "504": (295, Severity.LOW),
    "505": (326, Severity.HIGH),
    "506": (20, Severity.MEDIUM),
    "507": (295, Severity.HIGH),
    "508": (319, Severity.MEDIUM),
    "601": (78, Severity.HIGH),
    "602": (78, Severity.HIGH),
    "603": (78, Severity.LOW),
    "604": (78, Severity.MEDIUM),
    "605": (78, Severity.HIGH),
    "606": (78, Severity.LOW),
    "607": (78, Severity.LOW),
    "608": (89, Severity.MEDIUM),
    "609": (78, Severity.HIGH),
    "610": (89, Severity.MEDIUM),
    "611": (89, Severity.MEDIUM),
    "612": (94, Severity.MEDIUM),
    "701": (94, Severity.HIGH),
    "702": (79, Severity.MEDIUM),
    "704": (79, Severity.MEDIUM),
}

_NUMBERED = re.compile(r"^[SB](\d{3})$")


def rule_number(rule: str) -> str | None:
    """The shared number of a ruff S or bandit B rule ("S506" -> "506")."""
    match = _NUMBERED.match(rule)
    return match.group(1) if match else None


def bandit_alias(ruff_rule: str) -> str | None:
    number = rule_number(ruff_rule)
    return f"B{number}" if number and ruff_rule.startswith("S") else None


def default_cwe(rule: str) -> int | None:
    other = _OTHER_RULES.get(_canonical(rule))
    if other is not None:
        return other[2]
    number = rule_number(rule)
    return _SECURITY_RULES[number][0] if number in _SECURITY_RULES else None


def default_severity(rule: str) -> Severity:
    other = _OTHER_RULES.get(_canonical(rule))
    if other is not None:
        return other[1]
    number = rule_number(rule)
    return _SECURITY_RULES[number][1] if number in _SECURITY_RULES else Severity.MEDIUM


# Rules of the other priorities: (priority, severity, cwe). A number shared by ruff's S
# and bandit's B rules (S110/B110) is listed once, under its S name.
_OTHER_RULES: dict[str, tuple[Priority, Severity, int | None]] = {
    # errors: exceptions swallowed or too broad, failures ignored
    "E722": (Priority.ERRORS, Severity.MEDIUM, 396),  # bare except
    "BLE001": (Priority.ERRORS, Severity.MEDIUM, 396),  # blind except Exception
    "S110": (Priority.ERRORS, Severity.MEDIUM, 390),  # try/except/pass
    "S112": (Priority.ERRORS, Severity.MEDIUM, 390),  # try/except/continue
    "PLW1510": (Priority.ERRORS, Severity.MEDIUM, 252),  # subprocess.run without check
    "HE101": (Priority.ERRORS, Severity.MEDIUM, 755),  # external call, no error handling
    # observability: diagnostics that cannot be found, filtered or traced
    "T201": (Priority.OBSERVABILITY, Severity.LOW, 778),  # print in library code
    "G001": (Priority.OBSERVABILITY, Severity.LOW, None),  # logging with str.format
    "G002": (Priority.OBSERVABILITY, Severity.LOW, None),  # logging with %
    "G003": (Priority.OBSERVABILITY, Severity.LOW, None),  # logging with +
    "G004": (Priority.OBSERVABILITY, Severity.LOW, None),  # logging with an f-string
    "TRY400": (Priority.OBSERVABILITY, Severity.MEDIUM, 778),  # error() loses the traceback
    "HO101": (Priority.OBSERVABILITY, Severity.MEDIUM, 778),  # handler logs nothing
    # ai: the app's own LLM calls (cost, latency, reliability, output handling)
    "HA101": (Priority.AI, Severity.HIGH, 94),  # model output reaches a sink (CWE per sink)
    "HA102": (Priority.AI, Severity.MEDIUM, 400),  # request without a timeout
    "HA103": (Priority.AI, Severity.LOW, None),  # client without explicit max_retries
    "HA104": (Priority.AI, Severity.MEDIUM, 770),  # request without a max_tokens cap
    "HA105": (Priority.AI, Severity.LOW, 778),  # reply's usage never read
    "HA106": (Priority.AI, Severity.LOW, None),  # the same constant prompt sent with no cache
    "HA107": (Priority.AI, Severity.LOW, None),  # long inline prompt with no version
    # security twin of HA101, ranked above a generic eval/shell finding on its line
    "HS201": (Priority.SECURITY, Severity.HIGH, 94),
    # performance
    "PERF101": (Priority.PERFORMANCE, Severity.LOW, None),
    "PERF102": (Priority.PERFORMANCE, Severity.LOW, None),
    "PERF203": (Priority.PERFORMANCE, Severity.LOW, None),
    "PERF401": (Priority.PERFORMANCE, Severity.LOW, None),
    "PERF402": (Priority.PERFORMANCE, Severity.LOW, None),
    "PERF403": (Priority.PERFORMANCE, Severity.LOW, None),
    "HP101": (Priority.PERFORMANCE, Severity.MEDIUM, 400),  # new HTTP connection per loop turn
    "HP102": (Priority.PERFORMANCE, Severity.MEDIUM, 1073),  # N+1 query in a loop
    # tests
    "HT101": (Priority.TESTS, Severity.MEDIUM, 1125),  # public function no test reaches
}

# What ruff is asked for: its S rules and the other priorities' ruff rules.
RUFF_SELECT = ",".join(["S", *(r for r in _OTHER_RULES if not r.startswith(("H", "S")))])

_PRIORITY_BY_PREFIX: tuple[tuple[str, Priority], ...] = (
    ("HS", Priority.SECURITY),
    ("S", Priority.SECURITY),
    ("B", Priority.SECURITY),
)


def priority_of(rule: str) -> Priority:
    """The priority a rule belongs to: its own entry, else its family prefix."""
    other = _OTHER_RULES.get(_canonical(rule))
    if other is not None:
        return other[0]
    for prefix, priority in _PRIORITY_BY_PREFIX:
        if rule.startswith(prefix):
            return priority
    raise ValueError(f"no priority is known for rule {rule!r}")


def outranks_on_line(rule: str) -> bool:
    """A rule that says more than the generic finding on its line (model output reaching
    ``eval`` beats "eval is used"): of equal severity and confidence, it is ranked first."""
    return rule in _SPECIFIC


_SPECIFIC = frozenset({"HA101", "HS201"})

# Rules whose fix is a design decision of the code's own, so no codemod will ever make it.
_JUDGEMENT = {
    "HA101": "what the model's output may hold is the code's own rule to write",
    "HS201": "what the model's output may hold is the code's own rule to write",
    "HA106": "what to cache, keyed by what and for how long, is the app's choice",
    "HA107": "where a prompt lives and how its versions are named is the project's choice",
}


def model_judgement(rule: str) -> str | None:
    """Why a finding of ``rule`` needs a model (or a person) rather than a codemod."""
    return _JUDGEMENT.get(rule)


def _canonical(rule: str) -> str:
    """B110 is S110: shared numbers are listed under the S name."""
    number = rule_number(rule)
    return f"S{number}" if number else rule
