"""What we know about each rule: its CWE and severity when a detector does not say.

ruff's S rules and bandit's B tests share numbers (S506 is B506), which is how one
problem reported by both becomes one Finding.
"""

from __future__ import annotations

import re

from agent.models import Priority, Severity

__all__ = ["bandit_alias", "default_cwe", "default_severity", "priority_of", "rule_number"]

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
    number = rule_number(rule)
    return _SECURITY_RULES[number][0] if number in _SECURITY_RULES else None


def default_severity(rule: str) -> Severity:
    number = rule_number(rule)
    return _SECURITY_RULES[number][1] if number in _SECURITY_RULES else Severity.MEDIUM


_PRIORITY_BY_PREFIX: tuple[tuple[str, Priority], ...] = (
    ("HS", Priority.SECURITY),
    ("S", Priority.SECURITY),
    ("B", Priority.SECURITY),
)


def priority_of(rule: str) -> Priority:
    """The priority a rule belongs to, from its family prefix."""
    for prefix, priority in _PRIORITY_BY_PREFIX:
        if rule.startswith(prefix):
            return priority
    raise ValueError(f"no priority is known for rule {rule!r}")
