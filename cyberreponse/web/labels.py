"""French labels (translated through Babel) for the codes stored in the database."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

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
ANSWER_SET_STATUS_LABELS = {
    "draft": _l("Brouillon"),
    "submitted": _l("Soumise"),
}
# Status of a NIS2 measure (services/scoring/measure_status.py).
MEASURE_STATUS_LABELS = {
    "satisfied": _l("Satisfaite"),
    "partial": _l("Partielle"),
    "not_satisfied": _l("Non satisfaite"),
    "unknown": _l("Inconnue"),
}
# The two answers that are not an index (services/questionnaire.py).
SPECIAL_ANSWER_LABELS = {
    "unknown": _l("Je ne sais pas"),
    "not_applicable": _l("Non applicable"),
}
QUESTION_WEIGHT_LABELS = {
    "1": _l("utile"),
    "2": _l("importante"),
    "3": _l("essentielle"),
}

ALL_LABELS = {
    "kind": ORGANISATION_KIND_LABELS,
    "nis2": NIS2_STATUS_LABELS,
    "asset": ASSET_KIND_LABELS,
    "role": ROLE_LABELS,
    "answer_set": ANSWER_SET_STATUS_LABELS,
    "measure_status": MEASURE_STATUS_LABELS,
    "special_answer": SPECIAL_ANSWER_LABELS,
    "weight": QUESTION_WEIGHT_LABELS,
}
