"""The response cache stores JSON text only, never unpickles, and keys on what matters."""

from __future__ import annotations

import os
import pickle
import sqlite3
import stat
from pathlib import Path

from pydantic import BaseModel

from agent.llm.base import Messages, PromptRef, ProviderReply, RenderedPrompt, Usage
from agent.llm.cache import ResponseCache, cache_key, default_cache_dir
from tests.llm_scripted import rendered


class Answer(BaseModel):
    text: str


class OtherAnswer(BaseModel):
    text: str
    risk: int


REPLY = ProviderReply(text='{"text": "hi"}', usage=Usage(input_tokens=5), model="m")


class Plant:
    """Unpickling this creates ``path``: the proof a pickle was loaded."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.path), "w"))


def test_round_trip_is_json_text(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c")
    cache.put("k", REPLY, 0.25)
    hit = cache.get("k")
    assert hit is not None
    assert hit.reply == REPLY
    assert hit.cost_usd == 0.25
    assert cache.get("missing") is None
    db = sqlite3.connect(tmp_path / "c" / "cache.db")
    mode, value = db.execute("SELECT mode, value FROM Cache WHERE key = 'k'").fetchone()
    assert mode == 1
    assert isinstance(value, str)
    assert '"cost_usd":0.25' in value


def test_a_planted_pickle_is_refused_not_unpickled(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c")
    cache.put("k", REPLY, 0.1)
    proof = tmp_path / "pwned"
    payload = pickle.dumps(Plant(proof))
    db = sqlite3.connect(tmp_path / "c" / "cache.db")
    db.execute("UPDATE Cache SET mode = 4, value = ? WHERE key = 'k'", (payload,))
    db.execute(
        "INSERT INTO Cache (key, raw, store_time, expire_time, access_time, access_count, "
        "tag, size, mode, filename, value) VALUES (?, 0, 0, NULL, 0, 0, NULL, 0, 4, NULL, ?)",
        (payload, payload),
    )
    db.commit()
    db.close()
    assert cache.get("k") is None
    assert not proof.exists()


def test_a_planted_pickle_file_is_refused(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c")
    cache.put("k", REPLY, 0.1)
    proof = tmp_path / "pwned"
    (tmp_path / "c" / "evil.val").write_bytes(pickle.dumps(Plant(proof)))
    db = sqlite3.connect(tmp_path / "c" / "cache.db")
    db.execute("UPDATE Cache SET mode = 4, value = NULL, filename = 'evil.val' WHERE key = 'k'")
    db.commit()
    db.close()
    assert cache.get("k") is None
    assert not proof.exists()


def test_directory_is_private(tmp_path: Path) -> None:
    ResponseCache(tmp_path / "new")
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    wide = tmp_path / "wide"
    wide.mkdir()
    os.chmod(wide, 0o755)  # noqa: S103 - a too-wide directory is what this test needs
    ResponseCache(wide)
    assert stat.S_IMODE(wide.stat().st_mode) == 0o700


def base_key(**changes: object) -> str:
    args: dict[str, object] = {
        "provider": "openai",
        "model": "gpt-4.1-mini",
        "prompt": rendered(),
        "schema": Answer,
        "temperature": 0.0,
        "sample": 0,
    }
    args.update(changes)
    return cache_key(**args)  # type: ignore[arg-type]


def test_key_changes_with_every_field() -> None:
    same = base_key()
    ref = rendered().ref
    variants = {
        "provider": base_key(provider="anthropic"),
        "model": base_key(model="gpt-4.1"),
        "version": base_key(prompt=rendered(version=2)),
        "hash": base_key(
            prompt=rendered().model_copy(
                update={"ref": ref.model_copy(update={"content_hash": "cd"})}
            )
        ),
        "prompt id": base_key(
            prompt=rendered().model_copy(
                update={"ref": PromptRef(id="x", version=1, content_hash=ref.content_hash)}
            )
        ),
        "user": base_key(prompt=rendered(user="other")),
        "system": base_key(
            prompt=rendered().model_copy(update={"messages": Messages(system="S", user="fix this")})
        ),
        "schema": base_key(schema=OtherAnswer),
        "temperature": base_key(temperature=0.7),
        "sample": base_key(sample=1),
    }
    assert same == base_key()
    assert len({same, *variants.values()}) == len(variants) + 1


def test_key_ignores_what_cannot_change_the_reply() -> None:
    # The prompt's own temperature is not hashed twice: the key's temperature argument is.
    hot: RenderedPrompt = rendered(temperature=0.9)
    assert base_key(prompt=hot) == base_key()


def test_default_cache_dir_order() -> None:
    assert default_cache_dir({"HARDEN_CACHE_DIR": "/a", "XDG_CACHE_HOME": "/b"}) == Path("/a")
    assert default_cache_dir({"XDG_CACHE_HOME": "/b"}) == Path("/b/harden")
    assert default_cache_dir({"HOME": "/h"}) == Path("/h/.cache/harden")
