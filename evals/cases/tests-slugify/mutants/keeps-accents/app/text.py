"""Text helpers for the blog: URL slugs and reading time."""

import math
import re
import unicodedata


def slugify(title: str, max_len: int = 40) -> str:
    """``"Héllo, World!"`` -> ``"hello-world"``: ASCII, lower case, words joined by dashes."""
    ascii_title = title
    words = re.findall(r"[^\W_]+", ascii_title.lower())
    return "-".join(words)[:max_len].rstrip("-")


def reading_minutes(body: str, words_per_minute: int = 200) -> int:
    return max(1, math.ceil(len(body.split()) / words_per_minute))
