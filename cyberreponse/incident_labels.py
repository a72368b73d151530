"""French wording of the incident vocabularies, shared by pages and e-mails.

Plain French strings, because services store them (timeline) and send them (e-mails); `N_` only marks
them for the message catalogue, and `web/labels.py` translates them when a page is shown in English.
The codes themselves stay in English in storage.
"""

from __future__ import annotations


def N_(text: str) -> str:
    """Mark a string for extraction into the catalogue without translating it here."""
    return text


SITUATION_LABELS = {
    "ransomware": N_("Des fichiers sont chiffrés ou illisibles, une rançon est demandée"),
    "mailbox_compromised": N_("Une messagerie est piratée ou envoie des messages non désirés"),
    "payment_fraud": N_("Une demande de changement de RIB ou de virement inhabituelle"),
    "website_defaced": N_("Le site internet a été modifié ou affiche des contenus anormaux"),
    "suspicious_message": N_("Un e-mail, un SMS ou un appel suspect"),
    "strange_computer": N_("Un ordinateur se comporte bizarrement"),
    "data_exposed": N_("Des données personnelles ont pu être exposées ou volées"),
    "service_unavailable": N_("Un service ou un équipement ne fonctionne plus"),
    "unknown": N_("Je ne sais pas"),
}
ANSWER_LABELS = {"yes": N_("Oui"), "no": N_("Non"), "unknown": "Je ne sais pas"}
STATUS_LABELS = {
    "new": N_("Nouveau"),
    "triage": N_("En cours de qualification"),
    "in_progress": N_("En traitement"),
    "contained": N_("Maîtrisé"),
    "resolved": N_("Résolu"),
    "closed": N_("Clos"),
    "rejected": N_("Rejeté"),
    "duplicate": N_("Doublon"),
}
SEVERITY_LABELS = {"low": N_("Faible"), "medium": N_("Moyenne"), "high": N_("Élevée"), "critical": "Critique"}
CHANNEL_LABELS = {
    "web_form": N_("Formulaire en ligne"),
    "phone": N_("Téléphone"),
    "email": N_("E-mail"),
    "api": N_("API"),
    "scan": N_("Analyse"),
}
OBLIGATION_LABELS = {
    "nis2_early_warning": N_("NIS2 : alerte précoce (24 h)"),
    "nis2_notification": N_("NIS2 : notification d'incident (72 h)"),
    "nis2_final_report": N_("NIS2 : rapport final (1 mois après la notification)"),
    "csirt_reply": N_("NIS2 : réponse du CSIRT à l'alerte précoce (24 h)"),
    "cnil_notification": N_("RGPD : notification à la CNIL (72 h)"),
    "police_complaint": N_("Dépôt de plainte (police ou gendarmerie) conseillé"),
    "insurer_notice": N_("Assureur informé"),
}
OBSERVABLE_LABELS = {
    "ipv4": N_("Adresse IPv4"),
    "ipv6": N_("Adresse IPv6"),
    "domain": N_("Nom de domaine"),
    "url": N_("URL"),
    "email": N_("Adresse e-mail"),
    "md5": N_("Empreinte MD5"),
    "sha1": N_("Empreinte SHA-1"),
    "sha256": N_("Empreinte SHA-256"),
    "cve": N_("Vulnérabilité (CVE)"),
    "filename": N_("Nom de fichier"),
}
TIMELINE_LABELS = {
    "reported": N_("Signalement"),
    "update": N_("Modification"),
    "status": N_("Changement de statut"),
    "comment": N_("Message"),
    "observable": N_("Observable"),
    "attachment": N_("Pièce jointe"),
    "obligation": N_("Obligation"),
    "follow_up": N_("Lien de suivi"),
    "checklist": N_("Checklist"),
    "observation": N_("Constat"),
    "action": N_("Action menée"),
    "contact": N_("Échange"),
    "decision": N_("Décision"),
}
FIELD_LABELS = {
    "organisation": N_("Organisation"),
    "rsit_class": N_("Classe RSIT"),
    "rsit_type": N_("Type RSIT"),
    "severity": N_("Gravité"),
    "tlp": N_("TLP"),
    "pap": N_("PAP"),
    "assignee": N_("Analyste"),
    "status": N_("Statut"),
    "duplicate_of": N_("Doublon de"),
    "significant": N_("Incident important (NIS2)"),
    "personal_data_breach": N_("Violation de données personnelles"),
    "aware_at": N_("Connaissance de l'incident"),
    "resolution": N_("Résolution"),
}
