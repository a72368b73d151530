"""Members: organisations, their contacts, their assets and their scan consent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.clock import now
from cyberreponse.errors import Conflict, Invalid, NotFound
from cyberreponse.models import ASSET_KINDS, NIS2_STATUSES, ORGANISATION_KINDS, Asset, Contact, Organisation
from cyberreponse.services.identifiers import normalise_asset, normalise_siren
from cyberreponse.services.scoping import organisation_in_scope, require_staff, scoped_organisations
from cyberreponse.services.validation import normalise_email

PAGE_SIZE = 50


@dataclass(frozen=True)
class OrganisationData:
    siren: str
    name: str
    kind: str
    nis2_status: str = "unknown"
    parent_siren: str = ""
    insee_code: str = ""
    population: str = ""


@dataclass(frozen=True)
class OrganisationPage:
    items: list[Organisation]
    total: int
    page: int
    pages: int


def search_organisations(
    session: Session,
    actor: Actor,
    query: str = "",
    kind: str = "",
    page: int = 1,
    *,
    page_size: int = PAGE_SIZE,
) -> OrganisationPage:
    statement = scoped_organisations(actor)
    if query.strip():
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(
            or_(
                func.lower(Organisation.name).like(pattern),
                Organisation.siren.like(pattern),
                Organisation.insee_code.like(pattern),
            )
        )
    if kind:
        statement = statement.where(Organisation.kind == kind)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    items = session.scalars(
        statement.order_by(Organisation.name, Organisation.siren)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return OrganisationPage(list(items), total, page, pages)


def get_organisation(session: Session, actor: Actor, siren: str) -> Organisation:
    return organisation_in_scope(session, actor, siren)


def validate_organisation(
    session: Session, data: OrganisationData, existing: Organisation | None = None
) -> tuple[dict[str, object], dict[str, str]]:
    """Check every field at once; return clean values and French messages per field."""
    errors: dict[str, str] = {}
    clean: dict[str, object] = {}
    try:
        clean["siren"] = normalise_siren(data.siren)
    except Invalid as error:
        errors["siren"] = error.message
    name = " ".join(data.name.split())
    if not name:
        errors["name"] = "Le nom est obligatoire."
    elif len(name) > 200:
        errors["name"] = "Le nom ne peut dépasser 200 caractères."
    clean["name"] = name
    if data.kind not in ORGANISATION_KINDS:
        errors["kind"] = "Type d'organisation inconnu (valeurs : " + ", ".join(ORGANISATION_KINDS) + ")."
    clean["kind"] = data.kind
    if data.nis2_status not in NIS2_STATUSES:
        errors["nis2_status"] = "Statut NIS2 inconnu (valeurs : " + ", ".join(NIS2_STATUSES) + ")."
    clean["nis2_status"] = data.nis2_status
    insee = data.insee_code.strip().upper()
    if insee and not (len(insee) == 5 and (insee.isdigit() or insee[:2] in ("2A", "2B"))):
        errors["insee_code"] = "Le code INSEE comporte 5 caractères (ex. 37261, 2A004)."
    clean["insee_code"] = insee or None
    population = data.population.strip().replace(" ", "")
    if population and not population.isdigit():
        errors["population"] = "La population est un nombre entier."
    clean["population"] = int(population) if population.isdigit() else None
    clean["parent_id"] = None
    if data.parent_siren.strip():
        parent = session.scalars(
            select(Organisation).where(Organisation.siren == data.parent_siren.strip())
        ).first()
        if parent is None:
            errors["parent_siren"] = "Aucun membre n'a ce SIREN parent."
        elif existing is not None and parent.id == existing.id:
            errors["parent_siren"] = "Une organisation ne peut être son propre parent."
        else:
            clean["parent_id"] = parent.id
    if "siren" in clean and "siren" not in errors:
        clash = session.scalars(select(Organisation).where(Organisation.siren == clean["siren"])).first()
        if clash is not None and clash is not existing:
            errors["siren"] = "Un membre porte déjà ce SIREN."
    return clean, errors


def create_organisation(session: Session, actor: Actor, data: OrganisationData) -> Organisation:
    require_staff(actor)
    clean, errors = validate_organisation(session, data)
    if errors:
        raise Invalid(next(iter(errors)), "Le formulaire contient des erreurs.", errors)
    organisation = Organisation(**clean)
    session.add(organisation)
    session.flush()
    audit.record(
        session, actor, "organisation.create", "organisation", organisation.siren, {"name": organisation.name}
    )
    session.commit()
    return organisation


def update_organisation(session: Session, actor: Actor, siren: str, data: OrganisationData) -> Organisation:
    require_staff(actor)
    organisation = organisation_in_scope(session, actor, siren)
    clean, errors = validate_organisation(session, data, existing=organisation)
    if errors:
        raise Invalid(next(iter(errors)), "Le formulaire contient des erreurs.", errors)
    changes = {
        key: [getattr(organisation, key), value]
        for key, value in clean.items()
        if getattr(organisation, key) != value
    }
    for key, value in clean.items():
        setattr(organisation, key, value)
    audit.record(
        session, actor, "organisation.update", "organisation", organisation.siren, {"changes": changes}
    )
    session.commit()
    return organisation


def set_active(session: Session, actor: Actor, siren: str, active: bool) -> Organisation:
    require_staff(actor)
    organisation = organisation_in_scope(session, actor, siren)
    organisation.active = active
    action = "organisation.activate" if active else "organisation.deactivate"
    audit.record(session, actor, action, "organisation", siren)
    session.commit()
    return organisation


def record_scan_consent(session: Session, actor: Actor, siren: str, given_by: str) -> Organisation:
    """Record who, at the member, agreed to the scans; without it no asset is ever scanned."""
    require_staff(actor)
    organisation = organisation_in_scope(session, actor, siren)
    given_by = " ".join(given_by.split())
    if len(given_by) < 3 or len(given_by) > 200:
        raise Invalid("given_by", "Indiquez le nom et la fonction de la personne qui donne son accord.")
    organisation.scan_consent_given_by = given_by
    organisation.scan_consent_at = now()
    audit.record(session, actor, "organisation.consent_given", "organisation", siren, {"given_by": given_by})
    session.commit()
    return organisation


def withdraw_scan_consent(session: Session, actor: Actor, siren: str) -> Organisation:
    require_staff(actor)
    organisation = organisation_in_scope(session, actor, siren)
    organisation.scan_consent_given_by = None
    organisation.scan_consent_at = None
    audit.record(session, actor, "organisation.consent_withdrawn", "organisation", siren)
    session.commit()
    return organisation


def _check_asset_is_free(session: Session, kind: str, value: str) -> None:
    owner = session.scalars(select(Asset).where(Asset.kind == kind, Asset.value == value)).first()
    if owner is not None:
        raise Conflict(f"« {value} » est déjà déclaré par un membre.")


def add_asset(session: Session, actor: Actor, siren: str, kind: str, raw_value: str) -> Asset:
    require_staff(actor)
    organisation = organisation_in_scope(session, actor, siren)
    if kind not in ASSET_KINDS:
        raise Invalid("kind", "Type d'actif inconnu.")
    value = normalise_asset(kind, raw_value)
    _check_asset_is_free(session, kind, value)
    asset = Asset(organisation=organisation, kind=kind, value=value)
    session.add(asset)
    audit.record(session, actor, "asset.add", "organisation", siren, {"kind": kind, "value": value})
    session.commit()
    return asset


def _asset_of(organisation: Organisation, kind: str, value: str) -> Asset:
    for asset in organisation.assets:
        if asset.kind == kind and asset.value == value:
            return asset
    raise NotFound("Actif introuvable.")


def remove_asset(session: Session, actor: Actor, siren: str, kind: str, value: str) -> None:
    require_staff(actor)
    organisation = organisation_in_scope(session, actor, siren)
    try:
        # The value as people type it ("Mairie.Test."), matched against the stored normal form.
        value = normalise_asset(kind, value)
    except Invalid as error:
        raise NotFound("Actif introuvable.") from error
    asset = _asset_of(organisation, kind, value)
    organisation.assets.remove(asset)
    audit.record(session, actor, "asset.remove", "organisation", siren, {"kind": kind, "value": value})
    session.commit()


def set_asset_scanning(
    session: Session, actor: Actor, siren: str, kind: str, value: str, enabled: bool
) -> Asset:
    require_staff(actor)
    organisation = organisation_in_scope(session, actor, siren)
    asset = _asset_of(organisation, kind, value)
    asset.scan_enabled = enabled
    audit.record(
        session,
        actor,
        "asset.scan_enabled" if enabled else "asset.scan_disabled",
        "organisation",
        siren,
        {"kind": kind, "value": value},
    )
    session.commit()
    return asset


@dataclass(frozen=True)
class ContactData:
    name: str
    email: str
    role: str = ""
    phone: str = ""
    receives_alerts: bool = True


def add_contact(session: Session, actor: Actor, siren: str, data: ContactData) -> Contact:
    require_staff(actor)
    organisation = organisation_in_scope(session, actor, siren)
    errors: dict[str, str] = {}
    name = " ".join(data.name.split())
    if not name or len(name) > 200:
        errors["name"] = "Le nom du contact est obligatoire (200 caractères au plus)."
    try:
        email = normalise_email(data.email)
    except Invalid as error:
        errors["email"] = error.message
        email = ""
    if len(data.phone) > 40 or len(data.role) > 200:
        errors["phone"] = "Téléphone ou fonction trop long."
    if errors:
        raise Invalid(next(iter(errors)), "Le contact contient des erreurs.", errors)
    contact = Contact(
        organisation=organisation,
        name=name,
        email=email,
        role=data.role.strip(),
        phone=data.phone.strip(),
        receives_alerts=data.receives_alerts,
    )
    session.add(contact)
    audit.record(session, actor, "contact.add", "organisation", siren, {"email": email})
    session.commit()
    return contact


def remove_contact(session: Session, actor: Actor, siren: str, email: str) -> None:
    require_staff(actor)
    organisation = organisation_in_scope(session, actor, siren)
    for contact in organisation.contacts:
        if contact.email == email:
            organisation.contacts.remove(contact)
            audit.record(session, actor, "contact.remove", "organisation", siren, {"email": email})
            session.commit()
            return
    raise NotFound("Contact introuvable.")
