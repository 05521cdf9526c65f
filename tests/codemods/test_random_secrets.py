from pathlib import Path

from tests.codemods.helpers import run_fix

RULES = {"S311", "B311"}


def test_choice_in_token_function_becomes_secrets_choice(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import random
        import string


        def make_reset_token(length=32):
            alphabet = string.ascii_letters + string.digits
            # one character at a time
            return "".join(random.choice(alphabet) for _ in range(length))
        """,
        RULES,
    )
    assert out.after == (
        "import secrets\n"
        "import string\n"
        "\n"
        "\n"
        "def make_reset_token(length=32):\n"
        "    alphabet = string.ascii_letters + string.digits\n"
        "    # one character at a time\n"
        '    return "".join(secrets.choice(alphabet) for _ in range(length))\n'
    )
    assert "S311" in {f.rule for f in out.findings_before}
    assert "S311" not in out.rules_after()
    assert out.patch is not None and len(out.patch.finding_ids) == 1


def test_assignment_target_and_other_methods(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import random


        def signup(user):
            otp = random.randint(100000, 999999)
            salt = random.getrandbits(64)
            delay = random.uniform(0.1, 0.5)
            return otp, salt, delay
        """,
        RULES,
    )
    assert out.after == (
        "import random\n"
        "import secrets\n"
        "\n"
        "\n"
        "def signup(user):\n"
        "    otp = secrets.SystemRandom().randint(100000, 999999)\n"
        "    salt = secrets.randbits(64)\n"
        "    delay = random.uniform(0.1, 0.5)\n"
        "    return otp, salt, delay\n"
    )
    assert [f.line for f in out.findings_after if f.rule == "S311"] == [8]


def test_keyword_argument_context(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import random

        session = make(session_key=random.random())
        """,
        RULES,
    )
    assert out.after == (
        "import secrets\n\nsession = make(session_key=secrets.SystemRandom().random())\n"
    )
    assert "S311" not in out.rules_after()


def test_simulation_is_left_alone(tmp_path: Path) -> None:
    source = """\
    import random


    def roll_dice(sides=6):
        return random.randint(1, sides)


    def jitter(delay):
        return delay * random.uniform(0.9, 1.1)
    """
    out = run_fix(tmp_path, source, RULES)
    assert "S311" in {f.rule for f in out.findings_before}
    assert out.patch is None


def test_seeded_module_is_left_alone(tmp_path: Path) -> None:
    source = """\
    import random

    random.seed(42)


    def make_token():
        return random.getrandbits(128)
    """
    out = run_fix(tmp_path, source, RULES)
    assert out.patch is None


def test_from_import_is_left_alone(tmp_path: Path) -> None:
    source = """\
    from random import choice


    def make_password(chars):
        return "".join(choice(chars) for _ in range(12))
    """
    out = run_fix(tmp_path, source, RULES)
    assert out.patch is None
