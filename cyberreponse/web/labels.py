"""French labels (translated through Babel) for the codes stored in the database."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from cyberreponse import incident_labels

ORGANISATION_KIND_LABELS = {
    "commune": _l("Commune"),
    "epci": _l("Intercommunalité (EPCI)"),
    "syndicat": _l("Syndicat"),
    "ccas": _l("CCAS / CIAS"),
    "departement": _l("Département"),
    "etablissement_scolaire": _l("Établissement scolaire"),
    "other": _l("Autre"),
}
NIS2_STATUS_LABELS = {
    "essential": _l("Entité essentielle"),
    "important": _l("Entité importante"),
    "not_subject": _l("Non concernée"),
    "unknown": _l("Non déterminé"),
}
ASSET_KIND_LABELS = {
    "domain": _l("Nom de domaine"),
    "host": _l("Serveur (nom)"),
    "ip": _l("Adresse IP"),
    "cidr": _l("Réseau (CIDR)"),
}
ROLE_LABELS = {
    "admin": _l("Administrateur"),
    "analyst": _l("Analyste"),
    "member": _l("Membre (RSSI / référent)"),
}

ALL_LABELS: dict[str, Mapping[str, object]] = {
    "kind": ORGANISATION_KIND_LABELS,
    "nis2": NIS2_STATUS_LABELS,
    "asset": ASSET_KIND_LABELS,
    "role": ROLE_LABELS,
    "situation": incident_labels.SITUATION_LABELS,
    "answer": incident_labels.ANSWER_LABELS,
    "status": incident_labels.STATUS_LABELS,
    "severity": incident_labels.SEVERITY_LABELS,
    "channel": incident_labels.CHANNEL_LABELS,
    "obligation": incident_labels.OBLIGATION_LABELS,
    "observable": incident_labels.OBSERVABLE_LABELS,
    "timeline": incident_labels.TIMELINE_LABELS,
    "field": incident_labels.FIELD_LABELS,
}
