from pathlib import Path
from types import ModuleType
from typing import Any

import jwt
import pytest

from tests.codemods.helpers import run_fix

RULES = {"HS501"}

UNVERIFIED = """\
import jwt

SECRET = "server-key-" * 8


def issue(user_id):
    return jwt.encode({"sub": user_id}, SECRET, algorithm="HS512")


def read(token):
    return jwt.decode(token, SECRET, options={"verify_signature": False})
"""


def _load(source: str, name: str) -> ModuleType:
    module = ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # noqa: S102 - test code
    return module


def test_options_flag_removed_and_encode_algorithm_used(tmp_path: Path) -> None:
    out = run_fix(tmp_path, UNVERIFIED, RULES)
    assert out.after == UNVERIFIED.replace(
        'options={"verify_signature": False}', 'algorithms=["HS512"]'
    )
    assert "HS501" in {f.rule for f in out.findings_before}
    assert "HS501" not in out.rules_after()
    assert out.patch is not None and len(out.patch.finding_ids) == 1


def test_fixed_decode_rejects_a_token_signed_with_another_key(tmp_path: Path) -> None:
    out = run_fix(tmp_path, UNVERIFIED, RULES)
    original, fixed = _load(out.before, "original"), _load(out.after, "fixed")
    forged = jwt.encode({"sub": "admin"}, "attacker-key-" * 8, algorithm="HS512")
    genuine: Any = fixed.issue("alice")
    assert original.read(forged) == {"sub": "admin"}
    with pytest.raises(jwt.InvalidSignatureError):
        fixed.read(forged)
    assert fixed.read(genuine) == {"sub": "alice"}


def test_verify_false_and_other_options_multiline(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import jwt


        def read(token, key):
            return jwt.decode(
                token,
                key,
                options={"verify_signature": False, "verify_exp": False},
            )


        def legacy(token, key):
            return jwt.decode(token, key, verify=False)  # old PyJWT
        """,
        RULES,
    )
    assert out.after == (
        "import jwt\n"
        "\n"
        "\n"
        "def read(token, key):\n"
        "    return jwt.decode(\n"
        "        token,\n"
        "        key,\n"
        '        options={"verify_exp": False},\n'
        '        algorithms=["HS256"],\n'
        "    )\n"
        "\n"
        "\n"
        "def legacy(token, key):\n"
        '    return jwt.decode(token, key, algorithms=["HS256"])  # old PyJWT\n'
    )
    assert "HS501" not in out.rules_after()


def test_missing_algorithms_only(tmp_path: Path) -> None:
    out = run_fix(tmp_path, "import jwt\nclaims = jwt.decode(tok, key=KEY)\n", RULES)
    assert out.after == 'import jwt\nclaims = jwt.decode(tok, key=KEY, algorithms=["HS256"])\n'


@pytest.mark.parametrize(
    "source",
    [
        # no key: nothing to verify with
        'import jwt\nclaims = jwt.decode(tok, options={"verify_signature": False})\n',
        # an asymmetric algorithm is mentioned but never used to encode here
        'import jwt\nALG = "RS256"\nclaims = jwt.decode(tok, KEY)\n',
        # a public key: HS256 would be wrong
        "import jwt\nclaims = jwt.decode(tok, public_key_pem)\n",
        # options from elsewhere may disable verification
        "import jwt\nclaims = jwt.decode(tok, KEY, options=OPTS)\n",
    ],
)
def test_unsafe_cases_are_left_alone(tmp_path: Path, source: str) -> None:
    out = run_fix(tmp_path, source, RULES)
    assert "HS501" in {f.rule for f in out.findings_before}
    assert out.patch is None
