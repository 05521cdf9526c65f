"""Shared name tests for the secret-related codemods.

``is_security_name`` tells whether an identifier names something secret (a token, a
password, a key...); ``is_signing_key`` whether a secret is one the app can generate
itself; ``env_var_name`` turns an identifier or config key into an environment variable.
"""

from __future__ import annotations

import re

__all__ = ["env_var_name", "is_credential_name", "is_security_name", "is_signing_key", "words"]

_SECURITY_WORDS = re.compile(
    r"^(tokens?|passwords?|passwd|pwd|secrets?|keys?|apikeys?|salts?|nonces?|otps?|"
    r"csrf|xsrf|sessions?|reset|codes?|pins?)$"
)
_CREDENTIAL_WORDS = {
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "token",
    "secret",
    "apikey",
    "credential",
    "credentials",
}
_CREDENTIAL_KEYS = ("API_KEY", "PRIVATE_KEY", "ACCESS_KEY", "SECRET_KEY", "SIGNING_KEY")
# A name with one of these words holds something about a secret, not the secret itself:
# TOKEN_URL, PASSWORD_FIELD, TOKEN_TYPE = "Bearer", SECRET_KEY_ENV = "SECRET_KEY".
_NOT_SECRET_WORDS = {
    "url",
    "uri",
    "endpoint",
    "path",
    "file",
    "dir",
    "field",
    "name",
    "header",
    "type",
    "prefix",
    "pattern",
    "regex",
    "length",
    "len",
    "param",
    "label",
    "template",
    "env",
    "var",
    "id",
}
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SIGNING_PARTS = ("SECRET_KEY", "JWT_SECRET", "SIGNING", "SESSION_SECRET")
# Secrets issued by another service: a random fallback would only hide the missing value.
_THIRD_PARTY_SECRETS = ("CLIENT_SECRET", "CONSUMER_SECRET", "API_SECRET", "AWS_SECRET")


def words(identifier: str) -> list[str]:
    """``resetPasswordToken`` and ``reset_password_token`` -> reset, password, token."""
    spaced = _CAMEL_BOUNDARY.sub("_", identifier)
    return [w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w]


def is_security_name(identifier: str) -> bool:
    return any(_SECURITY_WORDS.match(w) for w in words(identifier))


def is_credential_name(identifier: str) -> bool:
    """A name that holds a credential: ``DB_PASSWORD``, ``apiToken``, ``SECRET_KEY``."""
    parts = set(words(identifier))
    if parts & _NOT_SECRET_WORDS:
        return False
    upper = env_var_name(identifier)
    return bool(parts & _CREDENTIAL_WORDS) or any(k in upper for k in _CREDENTIAL_KEYS)


def env_var_name(identifier: str) -> str:
    """``db-password`` -> ``DB_PASSWORD``; the name of the variable that holds it."""
    return "_".join(w.upper() for w in words(identifier))


def is_signing_key(env_name: str) -> bool:
    """A key the app signs with itself: a random one keeps it working (sessions reset)."""
    if any(part in env_name for part in _THIRD_PARTY_SECRETS):
        return False
    return any(part in env_name for part in _SIGNING_PARTS) or env_name.endswith("_SECRET")
