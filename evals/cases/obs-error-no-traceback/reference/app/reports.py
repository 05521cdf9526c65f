"""Build the nightly reports; one broken report must not stop the others."""

import logging
from collections.abc import Callable, Mapping

logger = logging.getLogger(__name__)


def build_all(builders: Mapping[str, Callable[[], str]]) -> dict[str, str]:
    built: dict[str, str] = {}
    for name, build in builders.items():
        try:
            built[name] = build()
        except (OSError, ValueError):
            logger.exception("report %s failed", name)
    return built
