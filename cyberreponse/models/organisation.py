"""Members (organisations), their contacts and the assets they registered for scanning."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cyberreponse.clock import now
from cyberreponse.models.base import Base, UTCDateTime

ORGANISATION_KINDS = (
    "commune",
    "epci",
    "syndicat",
    "ccas",
    "departement",
    "etablissement_scolaire",
    "other",
)
NIS2_STATUSES = ("essential", "important", "not_subject", "unknown")
ASSET_KINDS = ("domain", "host", "ip", "cidr")


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    siren: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    insee_code: Mapped[str | None] = mapped_column(String(5))
    population: Mapped[int | None] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    nis2_status: Mapped[str] = mapped_column(String(16), default="unknown")
    scan_consent_given_by: Mapped[str | None] = mapped_column(String(200))
    scan_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])
    assets: Mapped[list[Asset]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Asset.value"
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Contact.name"
    )

    @property
    def has_scan_consent(self) -> bool:
        return self.scan_consent_at is not None

    @property
    def department(self) -> str | None:
        """Département from the INSEE code (3 digits overseas: 971–976)."""
        if not self.insee_code:
            return None
        return self.insee_code[:3] if self.insee_code.startswith("97") else self.insee_code[:2]


class Contact(Base):
    """A person to reach at a member: receives alerts and reports when `receives_alerts`."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")
    receives_alerts: Mapped[bool] = mapped_column(Boolean, default=True)

    organisation: Mapped[Organisation] = relationship(back_populates="contacts")


class Asset(Base):
    """A domain, host, IP or network a member registered; only scanned with the member's consent."""

    __tablename__ = "asset"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(253))
    scan_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    organisation: Mapped[Organisation] = relationship(back_populates="assets")
