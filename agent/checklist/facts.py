"""What the checklist knows about a repository besides its findings: the cheap facts.

Facts are plain data, gathered once from the git-tracked files of one commit, and meant to
be read by more than the scorecard (a PRODUCTION.md draft needs the same: the environment
variables and where they are read, the SDKs called, the LLM calls and their caps). Each
fact carries the ``Evidence`` (path, line, text) that shows it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from agent.checklist.model import Evidence

__all__ = ["EnvRead", "ExternalCall", "Facts", "LlmCall", "SourceFacts"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EnvRead(_Frozen):
    """``os.environ["NAME"]``, ``os.environ.get("NAME")`` or ``os.getenv("NAME")``."""

    name: str
    site: Evidence


class LlmCall(_Frozen):
    """A request to an LLM SDK (openai, anthropic) and the caps it is made with.

    ``timeout`` counts a ``timeout=`` on the call, on ``with_options`` or on a client
    constructed in the same file; ``capped`` a max_tokens / max_output_tokens /
    max_completion_tokens argument.
    """

    sdk: str
    site: Evidence
    timeout: bool
    capped: bool
    model: str | None = None  # the model argument as written (a literal name, or an expression)
    cap: str | None = None  # the cap as written: ``max_tokens=200``
    timeout_value: str | None = None  # the timeout as written: ``timeout=30``


class ExternalCall(_Frozen):
    """An HTTP request made with a module function (``requests.get``, ``httpx.post``,
    ``urllib.request.urlopen``): its host where the URL is a literal, its timeout as written
    (None: no ``timeout=``) and whether a ``try`` in the same function handles its failure."""

    client: str  # the qualified function: ``requests.get``
    site: Evidence
    url: str | None = None  # the URL argument as written
    host: str | None = None
    timeout: str | None = None
    handled: bool = False


class SourceFacts(_Frozen):
    """The facts of the application's Python files (tests excluded)."""

    frameworks: tuple[Evidence, ...] = ()  # an import of a web framework
    routes: tuple[Evidence, ...] = ()  # a route decorator
    request_reads: tuple[Evidence, ...] = ()  # raw request input (request.args, .get_json)
    validators: tuple[Evidence, ...] = ()  # a schema/validation library in use
    auth: tuple[Evidence, ...] = ()  # an authentication library, decorator or header check
    rate_limits: tuple[Evidence, ...] = ()  # a rate-limiting library or decorator
    loggers: tuple[Evidence, ...] = ()  # logging.getLogger / basicConfig / dictConfig
    structured_logs: tuple[Evidence, ...] = ()  # structlog, a JSON log formatter ...
    correlation_ids: tuple[Evidence, ...] = ()  # request / correlation / trace ids
    external_clients: tuple[Evidence, ...] = ()  # an HTTP, DB, cloud, process client
    external_calls: tuple[ExternalCall, ...] = ()  # each HTTP request by a module function
    env_reads: tuple[EnvRead, ...] = ()
    llm_sdks: tuple[Evidence, ...] = ()  # an import of openai or anthropic
    llm_calls: tuple[LlmCall, ...] = ()
    usage_reads: tuple[Evidence, ...] = ()  # ``<reply>.usage`` read somewhere

    def __add__(self, other: SourceFacts) -> SourceFacts:
        fields = SourceFacts.model_fields
        return SourceFacts(**{name: getattr(self, name) + getattr(other, name) for name in fields})


class Facts(_Frozen):
    """Everything the scorecard reads beside the scan's findings."""

    source: SourceFacts
    integration_tests: tuple[Evidence, ...] = ()  # a test driving the app's client or CLI
    test_files: tuple[str, ...] = ()
    env_docs: tuple[str, ...] = ()  # the files that document variables (.env.example, README)
    documented_names: frozenset[str] = frozenset()  # every word of those files
    documents: tuple[str, ...] = ()  # the tracked documents (README, docs/*.md ...)
    rollback_docs: tuple[Evidence, ...] = ()
    committed_secrets: tuple[Evidence, ...] = ()  # a .env, a key file, a secret in config

    @property
    def is_web_app(self) -> bool:
        return bool(self.source.frameworks)

    @property
    def uses_llm(self) -> bool:
        return bool(self.source.llm_sdks or self.source.llm_calls)
