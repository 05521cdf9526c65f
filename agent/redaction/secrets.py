"""Replace secrets in code by placeholders before any text leaves the machine, and back.

``Redactor.redact`` swaps each secret VALUE for ``HARDEN_REDACTED_<token>_<n>`` (the same
secret always gets the same placeholder within one Redactor); quotes, names and structure
stay, so the code remains valid Python. The token is drawn from the texts the Redactor is
made for so that it occurs in none of them: code that itself contains placeholder-like
text cannot collide with the real placeholders, and the same code gets the same token
(so the response cache still hits). A value once found is also replaced where it appears
again without the context that gave it away (a password echoed in test output).
``Redactor.restore`` maps placeholders back to the real values; the fixer restores only
those that stay where they stood (agent.fix.restore), and ``stray_placeholders`` finds
those a patch would add anywhere else (a scope failure).

``redact_fixed`` is for what harden writes (reports, SARIF, logs, commit messages): every
secret becomes the fixed ``<redacted>``, so nothing can be mapped back.

Detected: provider credentials by their shape (AWS key ids, GitHub, OpenAI, Anthropic,
Slack, Google, Stripe, npm, GitLab, PyPI, JWTs, PEM private key blocks), the password of a
connection URL, ``Bearer`` tokens and ``Authorization`` header values of any scheme,
passwords on shell and tool command lines (``PGPASSWORD=x``, ``--password=x``, ``curl -u
u:x``, ``mysql -px``), the password of a (user, password) pair (``auth=("u", "x")``,
``HTTPBasicAuth("u", "x")``, ``smtp.login("u", "x")``), and string literals assigned,
passed or mapped to secret-like names (``password = "..."``, ``"api_key": "..."``,
``token="..."``). Names that merely mention a secret (``TOKEN_URL``, ``password_field``)
and values that are URLs, env-var names or placeholders are left alone; names that only
suggest a key (``key``, ``salt``) need a high-entropy value. On top, the credential shapes
of detect-secrets' provider plugins (agent.redaction.library: Slack webhooks, SendGrid,
Twilio, npm, PyPI, Discord...).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator

from agent.redaction.library import library_spans

__all__ = [
    "PLACEHOLDER_PREFIX",
    "REDACTED",
    "Redactor",
    "find_secrets",
    "is_distinctive",
    "redact_fixed",
    "shannon_entropy",
    "stray_placeholders",
]

PLACEHOLDER_PREFIX = "HARDEN_REDACTED_"
REDACTED = "<redacted>"
_PLACEHOLDER = re.compile(rf"\b{PLACEHOLDER_PREFIX}[0-9a-f]{{8}}_[0-9]+\b")

# Credentials recognised by their shape alone; the group "secret" is what is replaced.
_SHAPES = [
    re.compile(p)
    for p in (
        r"(?P<secret>-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?"
        r"-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----)",
        r"\b(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b",
        r"\b(?P<secret>gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
        r"\b(?P<secret>sk-ant-[A-Za-z0-9_-]{20,})",
        r"\b(?P<secret>sk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{20,})",
        r"\b(?P<secret>xox[baprs]-[A-Za-z0-9-]{10,})",
        r"\b(?P<secret>AIza[0-9A-Za-z_-]{35})",
        r"\b(?P<secret>(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,})",
        r"\b(?P<secret>npm_[A-Za-z0-9]{36}|glpat-[A-Za-z0-9_-]{20}|pypi-AgE[A-Za-z0-9_-]{50,})",
        r"\b(?P<secret>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)",
        r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@'\"]*:(?P<secret>[^\s@/'\"]+)@",
        r"\bBearer\s+(?P<secret>[A-Za-z0-9._~+/=-]{16,})",
        # Authorization headers of any scheme: "Authorization: Token x", "Basic x"...
        r"(?i:authorization)['\"]?\s*[:=]\s*['\"]?(?i:token|basic|digest|apikey|api-key|key|jwt|"
        r"oauth|sso-key|ssws)\s+(?P<secret>[A-Za-z0-9._~+/=:-]{8,})",
        # Passwords on shell and tool command lines.
        r"\b[A-Z][A-Z0-9_]*(?:PASSWORD|PASSWD|PASS|PWD|SECRET|TOKEN|API_KEY|APIKEY)="
        r"(?P<secret>[^\s'\"`$&;|(){}\[\],]{4,})(?=[\s'\"`;&|]|$)",
        r"--(?:password|passwd|pass|token|api-key|apikey|secret|client-secret)(?:=|\s+|['\"],\s*['\"])"
        r"(?P<secret>[^\s'\"$%{`]{4,})",
        r"\b(?:curl|wget|http)\b[^\n'\"]*?\s(?:-u|--user)\s*['\"]?[^\s:'\"]+:(?P<secret>[^\s'\"`@]{4,})",
        r"\bmysql(?:dump|admin)?\b[^\n'\"]*?\s-p(?P<secret>[^\s'\"`$]{4,})",
        r"\bsshpass\s+-p\s*['\"]?(?P<secret>[^\s'\"`$]{4,})",
    )
]
_STRING = r"[rRbBuU]{0,2}(?P<q>['\"])(?P<secret>[^'\"\\\r\n]+)(?P=q)"
# name = "v", name: str = "v", name == "v", name="v" (keyword), "name": "v" (dict), and
# os.getenv("NAME", "v") / os.environ.get("NAME", "v") defaults.
# The second string of a (user, password) pair: auth=("u", "p"), HTTPBasicAuth("u", "p"),
# smtp.login("u", "p").
_USER = r"[rRbBuU]{0,2}(?P<uq>['\"])[^'\"\\\r\n]*(?P=uq)"
_PAIRS = [
    re.compile(
        r"(?:\bauth\s*=\s*[(\[]|\b\w*(?:Basic|Digest|Proxy)Auth\(|\.login\(|\bauthenticate\()"
        r"\s*" + _USER + r"\s*,\s*" + _STRING
    ),
]
_ASSIGNED = [
    re.compile(
        r"(?<![\w.-])(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)['\"]?"
        r"\s*(?::\s*[A-Za-z_][\w\[\]., |]*\s*=|==?|:)\s*" + _STRING
    ),
    re.compile(
        r"(?:getenv|environ\.get|environ\.setdefault)\(\s*['\"](?P<name>\w+)['\"]\s*,\s*" + _STRING
    ),
]

_STRONG_NAME = re.compile(
    r"passw(or)?d|passwd|pwd|passphrase|secret|token|api_?key|apikey|access_?key|"
    r"private_?key|auth_?key|credential|signing_?key|encryption_?key|session_?key",
    re.IGNORECASE,
)
_WEAK_NAME = re.compile(r"key|salt|auth|cred|signature|cookie|seed|dsn", re.IGNORECASE)
_NOT_SECRET_NAME = re.compile(
    r"(^|_)(url|uri|endpoint|field|name|names|path|file|dir|env|var|header|prefix|suffix|"
    r"type|kind|len|length|size|regex|pattern|label|prompt|help|text|message|msg|"
    r"template|format|fmt|param|column|attr|id|ids|count|min|max|hint|placeholder|"
    r"expiry|expires|ttl|timeout|scheme|method|algorithm|alg|mode|version)$",
    re.IGNORECASE,
)
_NOT_SECRET_VALUE = re.compile(
    r"^(?:(?i:[a-z][a-z0-9+.-]*://\S*)|/[\w./-]*|\.{1,2}/[\w./-]*|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|"
    r"\{\w*\}|\$\{?\w+\}?|%\(\w+\)s|%s|<[\w -]+>|\*+|(?i:x+|none|null|true|false))$"
)
_HIGH_ENTROPY_VALUE = re.compile(r"^[A-Za-z0-9+/=_-]{20,}$")
MIN_ENTROPY = 3.5
MIN_SECRET_LENGTH = 4
_DISTINCTIVE_LENGTH = 10
_DISTINCTIVE_MIXED_LENGTH = 6


class Redactor:
    """Redacts the secrets of several texts with one stable placeholder per secret.

    ``texts`` are those the Redactor will redact: its placeholder token occurs in none.
    """

    def __init__(self, *texts: str) -> None:
        self.token = _token(texts)
        self.pattern = re.compile(rf"\b{PLACEHOLDER_PREFIX}{self.token}_[0-9]+\b")
        self._by_secret: dict[str, str] = {}
        self._by_placeholder: dict[str, str] = {}

    @property
    def found(self) -> int:
        """How many distinct secrets were redacted so far."""
        return len(self._by_secret)

    def redact(self, text: str) -> str:
        """``text`` with every secret value, and every one found before, replaced."""
        out, last = [], 0
        for start, end in _spans(text):
            out += [text[last:start], self._placeholder(text[start:end])]
            last = end
        return _replace_known("".join([*out, text[last:]]), self._by_secret)

    def restore(self, text: str) -> str:
        """``text`` with this Redactor's placeholders replaced by the original secrets."""
        return self.pattern.sub(lambda m: self.secret_of(m.group(0)) or m.group(0), text)

    def secret_of(self, placeholder: str) -> str | None:
        """The secret behind one of this Redactor's placeholders, else None."""
        return self._by_placeholder.get(placeholder)

    def _placeholder(self, secret: str) -> str:
        if secret not in self._by_secret:
            placeholder = f"{PLACEHOLDER_PREFIX}{self.token}_{len(self._by_secret) + 1}"
            self._by_secret[secret] = placeholder
            self._by_placeholder[placeholder] = secret
        return self._by_secret[secret]


def _token(texts: tuple[str, ...]) -> str:
    """Eight hex digits from ``texts`` such that no text contains a placeholder with them."""
    seed = "\0".join(texts)
    for n in itertools.count():
        token = hashlib.sha256(f"{n}\0{seed}".encode()).hexdigest()[:8]
        if f"{PLACEHOLDER_PREFIX}{token}" not in seed:
            return token
    raise AssertionError("unreachable")  # pragma: no cover


def stray_placeholders(before: str | None, after: str) -> list[str]:
    """Placeholders that ``after`` holds more often than ``before``: added, never restored."""
    added = Counter(_PLACEHOLDER.findall(after)) - Counter(_PLACEHOLDER.findall(before or ""))
    return sorted(added)


def find_secrets(text: str, library: bool = True) -> list[str]:
    """The distinct secret values in ``text``, in order of appearance.

    ``library=False`` leaves out detect-secrets' shapes (to compare detectors).
    """
    spans = _spans(text, library)
    return list(dict.fromkeys(text[start:end] for start, end in spans))


def redact_fixed(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with the secrets it shows, and the values in ``known``, replaced by REDACTED.

    A known value is replaced only where it stands as a whole token, and only if it is
    distinctive enough to be a secret wherever it appears: a weak password such as
    ``pass`` is redacted where its context shows it, never inside ``passed``.
    """
    text = _replace_tokens(text, [s for s in known if is_distinctive(s)])
    out, last = [], 0
    for start, end in _spans(text):
        out += [text[last:start], REDACTED]
        last = end
    return "".join([*out, text[last:]])


def is_distinctive(value: str) -> bool:
    """Long or mixed enough that, found anywhere, it is the secret and not a word."""
    return len(value) >= _DISTINCTIVE_LENGTH or (
        len(value) >= _DISTINCTIVE_MIXED_LENGTH and not value.isalpha()
    )


def _replace_tokens(text: str, known: Iterable[str]) -> str:
    """Each known value (longest first) replaced where no word character touches it."""
    for secret in sorted(known, key=len, reverse=True):
        if _replaceable(secret) and secret in text:
            token = re.compile(rf"(?<!\w){re.escape(secret)}(?!\w)")
            text = token.sub(REDACTED, text)
    return text


def _replace_known(text: str, replacements: dict[str, str]) -> str:
    """Each known secret (longest first) replaced wherever it still appears verbatim."""
    for secret in sorted(replacements, key=len, reverse=True):
        if _replaceable(secret) and secret in text:
            text = text.replace(secret, replacements[secret])
    return text


def _replaceable(secret: str) -> bool:
    """Long enough, and not part of a placeholder (which replacing it would break)."""
    return len(secret) >= MIN_SECRET_LENGTH and secret not in PLACEHOLDER_PREFIX + REDACTED


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``."""
    counts, total = Counter(value), len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values()) if total else 0.0


def _spans(text: str, library: bool = True) -> list[tuple[int, int]]:
    """Non-overlapping secret spans, earliest first; the longer wins where two overlap."""
    found = set(_candidates(text))
    if library:
        found |= {
            (start, end)
            for start, end in library_spans(text)
            if not _PLACEHOLDER.fullmatch(text[start:end]) and text[start] not in "{$%*"
        }
    kept: list[tuple[int, int]] = []
    for start, end in sorted(found, key=lambda span: (span[0], -span[1])):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


def _candidates(text: str) -> Iterator[tuple[int, int]]:
    for pattern in _SHAPES:
        for match in pattern.finditer(text):
            if not _PLACEHOLDER.fullmatch(match["secret"]) and match["secret"][0] not in "{$%*":
                yield match.span("secret")
    for pattern in _PAIRS:
        for match in pattern.finditer(text):
            if _looks_like_value("password", match["secret"]):
                yield match.span("secret")
    for pattern in _ASSIGNED:
        for match in _overlapping(pattern, text):
            if _is_assigned_secret(match["name"], match["secret"]):
                yield match.span("secret")


def _overlapping(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Every match, also those starting inside an earlier one.

    ``host: str, password="..."`` first matches as an annotation of ``host``; the
    assignment to ``password`` inside it must be seen too.
    """
    match = pattern.search(text)
    while match is not None:
        yield match
        match = pattern.search(text, match.start() + 1)


def _is_assigned_secret(name: str, value: str) -> bool:
    """A literal bound to a secret-like name, unless name or value says it is not one."""
    leaf = name.rsplit(".", 1)[-1].replace("-", "_")
    if _NOT_SECRET_NAME.search(leaf) or not _looks_like_value(leaf, value):
        return False
    if _STRONG_NAME.search(leaf):
        return True
    return bool(_WEAK_NAME.search(leaf)) and _high_entropy(value)


def _looks_like_value(name: str, value: str) -> bool:
    """Not too short, not a URL, path, env-var name, template, mask or the name's own word."""
    if len(value) < MIN_SECRET_LENGTH or _NOT_SECRET_VALUE.match(value):
        return False
    if _PLACEHOLDER.fullmatch(value):
        return False
    words = {w for w in re.split(r"[_\W]+", name.lower()) if w}
    return value.lower().replace("-", "_") not in {*words, name.lower()}


def _high_entropy(value: str) -> bool:
    return bool(_HIGH_ENTROPY_VALUE.match(value)) and shannon_entropy(value) >= MIN_ENTROPY
