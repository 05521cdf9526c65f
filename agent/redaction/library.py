"""Credentials that detect-secrets' provider plugins recognise, as spans of a text.

detect-secrets (Yelp, on PyPI) keeps the shapes of some twenty providers' credentials
(Slack webhooks, SendGrid, Twilio, npm, PyPI, Discord, Telegram, Mailchimp, Azure storage,
IBM, Artifactory, Square, GitLab...). Its regex-based detectors run here beside the
hand-written detector of agent.redaction.secrets, for the text sent to a model. Its keyword and
high-entropy plugins are left out, as are private keys (agent.redaction.secrets takes the whole PEM
block, the plugin only its header) and public IP addresses (not secrets): on ordinary
code the keyword and entropy plugins flag digests and field names, and what the model
sees must stay the code it fixes (figures: bench/secrets_corpus.py).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detect_secrets.plugins.base import RegexBasedDetector

__all__ = ["PLUGIN_NAMES", "library_spans", "plugins"]

# (module under detect_secrets.plugins, detector class): imported on first use, so that a
# command that redacts nothing (a quiet ``harden plan``) does not import detect-secrets.
PLUGIN_NAMES: tuple[tuple[str, str], ...] = (
    ("artifactory", "ArtifactoryDetector"),
    ("aws", "AWSKeyDetector"),
    ("azure_storage_key", "AzureStorageKeyDetector"),
    ("basic_auth", "BasicAuthDetector"),
    ("cloudant", "CloudantDetector"),
    ("discord", "DiscordBotTokenDetector"),
    ("github_token", "GitHubTokenDetector"),
    ("gitlab_token", "GitLabTokenDetector"),
    ("ibm_cloud_iam", "IbmCloudIamDetector"),
    ("ibm_cos_hmac", "IbmCosHmacDetector"),
    ("jwt", "JwtTokenDetector"),
    ("mailchimp", "MailchimpDetector"),
    ("npm", "NpmDetector"),
    ("openai", "OpenAIDetector"),
    ("pypi_token", "PypiTokenDetector"),
    ("sendgrid", "SendGridDetector"),
    ("slack", "SlackDetector"),
    ("softlayer", "SoftlayerDetector"),
    ("square_oauth", "SquareOAuthDetector"),
    ("stripe", "StripeDetector"),
    ("telegram_token", "TelegramBotTokenDetector"),
    ("twilio", "TwilioKeyDetector"),
)
_LINE = re.compile(r"[^\n]+")
MIN_LENGTH = 8  # shorter "values" (a bare ":" match) are not worth a placeholder


@cache
def plugins() -> tuple[RegexBasedDetector, ...]:
    """One instance of each plugin of ``PLUGIN_NAMES``."""
    return tuple(
        getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), name)()
        for module, name in PLUGIN_NAMES
    )


def library_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where each credential the plugins find in ``text`` stands, line by line."""
    for line in _LINE.finditer(text):
        for plugin in plugins():
            for value in plugin.analyze_string(line.group(0)):
                if len(value) >= MIN_LENGTH:
                    yield from _occurrences(line.group(0), value, line.start())


def _occurrences(line: str, value: str, offset: int) -> Iterator[tuple[int, int]]:
    start = line.find(value)
    while start >= 0:
        yield offset + start, offset + start + len(value)
        start = line.find(value, start + 1)
