from pathlib import Path

from tests.codemods.helpers import load_fixed, new_findings, ruff_formatted, run_fix

RULES = {"S324", "B324"}


def test_content_hashes_are_marked_not_for_security(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import hashlib
        from hashlib import sha1


        def cache_key(data):
            return hashlib.md5(data).hexdigest()


        def etag(body):
            digest = sha1(body).hexdigest()
            return f'"{digest}"'


        def checksum(path):
            h = hashlib.new("md5")
            h.update(path.read_bytes())
            return h.hexdigest()
        """,
        RULES,
    )
    assert out.after == (
        "import hashlib\n"
        "from hashlib import sha1\n"
        "\n\n"
        "def cache_key(data):\n"
        "    return hashlib.md5(data, usedforsecurity=False).hexdigest()\n"
        "\n\n"
        "def etag(body):\n"
        "    digest = sha1(body, usedforsecurity=False).hexdigest()\n"
        "    return f'\"{digest}\"'\n"
        "\n\n"
        "def checksum(path):\n"
        '    h = hashlib.new("md5", usedforsecurity=False)\n'
        "    h.update(path.read_bytes())\n"
        "    return h.hexdigest()\n"
    )
    assert out.patch is not None and out.patch.fixer == "harden:hash-content"
    assert not {r for f in out.findings_after for r in (f.rule, *f.aliases)} & RULES
    assert not new_findings(out)
    assert ruff_formatted(out.after) == out.after
    fixed = load_fixed(tmp_path, out)
    assert fixed["cache_key"](b"abc") == "900150983cd24fb0d6963f7d28e17f72"


def test_hashes_that_protect_something_are_left_for_a_model(tmp_path: Path) -> None:
    source = """\
        import hashlib


        def store(user, password):
            user.pw = hashlib.md5(password.encode()).hexdigest()


        def reset_link(user):
            token = hashlib.sha1(user.email.encode()).hexdigest()
            return token


        def sign(payload):
            return hashlib.md5(payload).hexdigest()


        def headers(body):
            digest = hashlib.md5(body).hexdigest()
            return {"X-Signature": digest}


        def _lazy_sha1(string=b""):
            # itsdangerous: the digest method of its HMAC signer
            return hashlib.sha1(string)


        def hasher():
            h = hashlib.md5()
            return h
        """
    out = run_fix(tmp_path, source, RULES)
    assert len([f for f in out.findings_before if f.rule in RULES]) == 6
    assert out.patch is None
    assert out.after == out.before
