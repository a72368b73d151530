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
# The public form's plain-French choices (reporter situations).
SITUATION_LABELS = {
    "ransomware": _l("Fichiers chiffrés / demande de rançon"),
    "mailbox_compromised": _l("Messagerie piratée / envoie du spam"),
    "payment_fraud": _l("Changement de RIB / demande de virement"),
    "website_defaced": _l("Site web modifié"),
    "suspicious_message": _l("E-mail ou appel suspect"),
    "strange_computer": _l("Ordinateur au comportement étrange"),
    "data_exposed": _l("Données personnelles exposées"),
    "service_unavailable": _l("Service indisponible"),
    "unknown": _l("Je ne sais pas"),
}
OBLIGATION_LABELS = {
    "nis2_early_warning": _l("Alerte précoce NIS2 (24 h)"),
    "nis2_notification": _l("Notification d'incident NIS2 (72 h)"),
    "nis2_final_report": _l("Rapport final NIS2 (1 mois)"),
    "csirt_reply": _l("Réponse du CSIRT (24 h après l'alerte précoce)"),
    "cnil_notification": _l("Notification à la CNIL (72 h)"),
    "police_complaint": _l("Dépôt de plainte"),
    "insurer_notice": _l("Déclaration à l'assureur"),
}
PHASE_LABELS = {
    "qualification": _l("Qualification"),
    "containment": _l("Endiguement"),
    "eradication": _l("Éradication"),
    "recovery": _l("Rétablissement"),
    "post-incident": _l("Après l'incident"),
}
ACTOR_LABELS = {
    "csirt": _l("CSIRT"),
    "member": _l("Collectivité"),
    "provider": _l("Prestataire"),
}

# Posture: scan categories, check statuses, maturity levels, incident readiness (services/scoring, …).
CATEGORY_LABELS = {
    "mail": _l("Messagerie"),
    "dns": _l("Nom de domaine (DNS)"),
    "tls": _l("Chiffrement (TLS)"),
    "web": _l("Site web"),
    "exposure": _l("Services exposés"),
}
# Short names for chart axes.
CATEGORY_SHORT_LABELS = {
    "mail": _l("Messagerie"),
    "dns": _l("DNS"),
    "tls": _l("TLS"),
    "web": _l("Web"),
    "exposure": _l("Exposition"),
}
CHECK_STATUS_LABELS = {
    "pass": _l("Réussi"),
    "info": _l("Information"),
    "warn": _l("À améliorer"),
    "fail": _l("Échec"),
    "error": _l("Indéterminé"),
    "skipped": _l("Non applicable"),
}
FINDING_SEVERITY_LABELS = {
    "critical": _l("Critique"),
    "high": _l("Élevée"),
    "medium": _l("Moyenne"),
    "low": _l("Faible"),
    "info": _l("Information"),
    "none": _l("Aucune"),
}
MATURITY_LEVEL_LABELS = {
    "1": _l("À risque"),
    "2": _l("Fragile"),
    "3": _l("En progrès"),
    "4": _l("Solide"),
    "5": _l("Exemplaire"),
}
READINESS_LABELS = {
    "ready": _l("Prête"),
    "partly_ready": _l("Partiellement prête"),
    "not_ready": _l("Pas prête"),
}
MATURITY_BASIS_LABELS = {
    "both": _l("scores technique et organisationnel"),
    "technical": _l("score technique seul (auto-évaluation non soumise)"),
    "organisational": _l("score organisationnel seul (pas encore d'analyse)"),
    "none": _l("aucun score"),
}
# The RSIT taxonomy's classes (vocabularies.RSIT_TAXONOMY) in plain words, for members who never
# heard of RSIT; analysts see the code too.
RSIT_CLASS_LABELS = {
    "abusive-content": _l("Contenu abusif (spam, propos haineux)"),
    "malicious-code": _l("Logiciel malveillant"),
    "information-gathering": _l("Collecte d'informations (reconnaissance)"),
    "intrusion-attempts": _l("Tentative d'intrusion"),
    "intrusions": _l("Intrusion"),
    "availability": _l("Atteinte à la disponibilité"),
    "information-content-security": _l("Atteinte aux données (fuite, perte, modification)"),
    "fraud": _l("Fraude ou usurpation"),
    "vulnerable": _l("Vulnérabilité"),
    "other": _l("Autre"),
    "test": _l("Test"),
}
# What a TLP level lets the member do with what the CSIRT shares (FIRST TLP 2.0), in plain words.
TLP_LABELS = {
    "CLEAR": _l("Diffusion libre"),
    "GREEN": _l("Diffusion possible à vos partenaires, pas en public"),
    "AMBER": _l("Diffusion limitée à votre organisation et à ses prestataires, si nécessaire"),
    "AMBER+STRICT": _l("Diffusion limitée à votre organisation"),
    "RED": _l("Ne pas diffuser : réservé aux personnes présentes"),
}
# What each status means for the person who reported (the follow-up page), in plain words.
REPORTER_STATUS_HINTS = {
    "new": _l(
        "Votre signalement est bien reçu : un analyste va le prendre en charge. "
        "En cas d'urgence, appelez-nous."
    ),
    "triage": _l("Un analyste examine votre signalement pour en mesurer la gravité."),
    "in_progress": _l("Le CSIRT traite l'incident avec vous : suivez ses messages ci-dessous."),
    "contained": _l("L'attaque est maîtrisée ; le retour à la normale est en cours."),
    "resolved": _l("L'incident est résolu."),
    "closed": _l("Le dossier est clos."),
    "rejected": _l("Le CSIRT ne donne pas suite à ce signalement : voyez son message ci-dessous."),
    "duplicate": _l("Ce signalement a été rattaché à un autre déjà ouvert pour le même incident."),
}
ACTION_SOURCE_LABELS = {
    "Analyses": _l("Analyses"),
    "Auto-évaluation": _l("Auto-évaluation"),
}


def translated(mapping: Mapping[str, str]) -> dict[str, object]:
    """Labels kept as plain French elsewhere (marked with N_), translated when shown."""
    return {code: _l(text) for code, text in mapping.items()}


ALL_LABELS: dict[str, Mapping[str, object]] = {
    "kind": ORGANISATION_KIND_LABELS,
    "nis2": NIS2_STATUS_LABELS,
    "asset": ASSET_KIND_LABELS,
    "role": ROLE_LABELS,
    "answer": translated(incident_labels.ANSWER_LABELS),
    "status": translated(incident_labels.STATUS_LABELS),
    "severity": translated(incident_labels.SEVERITY_LABELS),
    "channel": translated(incident_labels.CHANNEL_LABELS),
    "observable": translated(incident_labels.OBSERVABLE_LABELS),
    "timeline": translated(incident_labels.TIMELINE_LABELS),
    "field": translated(incident_labels.FIELD_LABELS),
    "answer_set": ANSWER_SET_STATUS_LABELS,
    "measure_status": MEASURE_STATUS_LABELS,
    "special_answer": SPECIAL_ANSWER_LABELS,
    "weight": QUESTION_WEIGHT_LABELS,
    "situation": SITUATION_LABELS,
    "obligation": OBLIGATION_LABELS,
    "phase": PHASE_LABELS,
    "actor": ACTOR_LABELS,
    "category": CATEGORY_LABELS,
    "check_status": CHECK_STATUS_LABELS,
    "finding_severity": FINDING_SEVERITY_LABELS,
    "maturity": MATURITY_LEVEL_LABELS,
    "readiness": READINESS_LABELS,
    "basis": MATURITY_BASIS_LABELS,
    "action_source": ACTION_SOURCE_LABELS,
    "rsit_class": RSIT_CLASS_LABELS,
    "tlp": TLP_LABELS,
    "status_hint": REPORTER_STATUS_HINTS,
}
