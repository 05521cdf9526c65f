"""Admin actions on user accounts."""

from dataclasses import dataclass, field


@dataclass
class User:
    name: str
    is_admin: bool = False
    banned: set[str] = field(default_factory=set)


def ban_user(actor: User, target: str, banned: set[str]) -> None:
    assert actor.is_admin, "only admins can ban users"
    banned.add(target)
