from pathlib import Path

import pytest

from tests.codemods.helpers import run_fix

RULES = {"S101", "B101"}


def test_admin_assert_becomes_permission_check(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        def delete_user(request, user_id):
            # only admins may delete
            assert request.user.is_admin, "admins only"  # enforced here
            return remove(user_id)
        """,
        RULES,
    )
    assert out.after == (
        "def delete_user(request, user_id):\n"
        "    # only admins may delete\n"
        "    if not request.user.is_admin:  # enforced here\n"
        '        raise PermissionError("admins only")\n'
        "    return remove(user_id)\n"
    )
    assert "S101" in {f.rule for f in out.findings_before}
    assert "S101" not in out.rules_after()
    assert out.patch is not None and len(out.patch.finding_ids) == 1


@pytest.mark.parametrize(
    ("assertion", "check"),
    [
        ("assert user.has_perm('edit')", "if not user.has_perm('edit'):"),
        (
            "assert user.is_authenticated and user.is_staff",
            "if not (user.is_authenticated and user.is_staff):",
        ),
        (
            "assert not user.banned or user.is_superuser",
            "if not (not user.banned or user.is_superuser):",
        ),
        ("assert doc.owner_id == user.id", "if doc.owner_id != user.id:"),
        ("assert 'admin' in user.roles", "if 'admin' not in user.roles:"),
        ("assert not can_edit(user, doc)", "if can_edit(user, doc):"),
        ("assert user.group == 'admin'", "if user.group != 'admin':"),
        ("assert user.level >= required_role_level", "if not (user.level >= required_role_level):"),
    ],
)
def test_conditions_are_negated_readably(tmp_path: Path, assertion: str, check: str) -> None:
    out = run_fix(tmp_path, f"def view(user, doc):\n    {assertion}\n    return doc\n", RULES)
    raise_line = '        raise PermissionError("permission denied")\n'
    expected = f"def view(user, doc):\n    {check}\n{raise_line}    return doc\n"
    assert out.after == expected
    assert "S101" not in out.rules_after()


def test_other_asserts_are_not_security_findings(tmp_path: Path) -> None:
    """Invariants and type narrowing: neither ruff's S101 nor bandit's B101 is reported."""
    source = """\
    def average(values):
        assert values, "need at least one value"
        assert isinstance(values, list)
        return sum(values) / len(values)
    """
    out = run_fix(tmp_path, source, RULES)
    assert not {r for f in out.findings_before for r in (f.rule, *f.aliases)} & RULES
    assert out.patch is None


def test_only_the_auth_assert_changes(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        def publish(user, post):
            assert post.title
            assert user.allowed
            return post
        """,
        RULES,
    )
    assert out.after == (
        "def publish(user, post):\n"
        "    assert post.title\n"
        "    if not user.allowed:\n"
        '        raise PermissionError("permission denied")\n'
        "    return post\n"
    )
    assert [f.line for f in out.findings_before if f.rule == "S101"] == [3]
    assert out.findings_before[0].tools == ("ruff", "bandit")
    assert not out.rules_after() & RULES
