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

import re
from collections.abc import Iterator

from detect_secrets.plugins.artifactory import ArtifactoryDetector
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.cloudant import CloudantDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.ibm_cloud_iam import IbmCloudIamDetector
from detect_secrets.plugins.ibm_cos_hmac import IbmCosHmacDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.softlayer import SoftlayerDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

__all__ = ["PLUGINS", "library_spans"]

PLUGINS: tuple[RegexBasedDetector, ...] = tuple(
    plugin()
    for plugin in (
        ArtifactoryDetector,
        AWSKeyDetector,
        AzureStorageKeyDetector,
        BasicAuthDetector,
        CloudantDetector,
        DiscordBotTokenDetector,
        GitHubTokenDetector,
        GitLabTokenDetector,
        IbmCloudIamDetector,
        IbmCosHmacDetector,
        JwtTokenDetector,
        MailchimpDetector,
        NpmDetector,
        OpenAIDetector,
        PypiTokenDetector,
        SendGridDetector,
        SlackDetector,
        SoftlayerDetector,
        SquareOAuthDetector,
        StripeDetector,
        TelegramBotTokenDetector,
        TwilioKeyDetector,
    )
)
_LINE = re.compile(r"[^\n]+")
MIN_LENGTH = 8  # shorter "values" (a bare ":" match) are not worth a placeholder


def library_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where each credential the plugins find in ``text`` stands, line by line."""
    for line in _LINE.finditer(text):
        for plugin in PLUGINS:
            for value in plugin.analyze_string(line.group(0)):
                if len(value) >= MIN_LENGTH:
                    yield from _occurrences(line.group(0), value, line.start())


def _occurrences(line: str, value: str, offset: int) -> Iterator[tuple[int, int]]:
    start = line.find(value)
    while start >= 0:
        yield offset + start, offset + start + len(value)
        start = line.find(value, start + 1)
