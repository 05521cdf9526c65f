from app.admin import User, ban_user


def test_admin_can_ban() -> None:
    banned: set[str] = set()
    ban_user(User("root", is_admin=True), "mallory", banned)
    assert banned == {"mallory"}
