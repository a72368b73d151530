"""Who does something: passed explicitly to every service function."""

from __future__ import annotations

from dataclasses import dataclass, field

ADMIN = "admin"
ANALYST = "analyst"
MEMBER = "member"
ROLES = (ADMIN, ANALYST, MEMBER)
STAFF_ROLES = (ADMIN, ANALYST)


@dataclass(frozen=True)
class Actor:
    """A user, the CLI or the scheduler. `organisation_ids` scopes member users."""

    label: str
    role: str
    user_id: int | None = None
    organisation_ids: frozenset[int] = field(default_factory=frozenset)
    ip: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_member(self) -> bool:
        return self.role == MEMBER


def system_actor(label: str = "system") -> Actor:
    """The CLI, the scheduler and workers act with staff rights under their own name."""
    return Actor(label=label, role=ADMIN)
