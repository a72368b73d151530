"""French wording of the incident vocabularies, shared by pages and e-mails.

Plain strings (the web layer wraps them for translation); the codes stay in English in storage.
"""

from __future__ import annotations

SITUATION_LABELS = {
    "ransomware": "Des fichiers sont chiffrés ou illisibles, une rançon est demandée",
    "mailbox_compromised": "Une messagerie est piratée ou envoie des messages non désirés",
    "payment_fraud": "Une demande de changement de RIB ou de virement inhabituelle",
    "website_defaced": "Le site internet a été modifié ou affiche des contenus anormaux",
    "suspicious_message": "Un e-mail, un SMS ou un appel suspect",
    "strange_computer": "Un ordinateur se comporte bizarrement",
    "data_exposed": "Des données personnelles ont pu être exposées ou volées",
    "service_unavailable": "Un service ou un équipement ne fonctionne plus",
    "unknown": "Je ne sais pas",
}
ANSWER_LABELS = {"yes": "Oui", "no": "Non", "unknown": "Je ne sais pas"}
STATUS_LABELS = {
    "new": "Nouveau",
    "triage": "En cours de qualification",
    "in_progress": "En traitement",
    "contained": "Maîtrisé",
    "resolved": "Résolu",
    "closed": "Clos",
    "rejected": "Rejeté",
    "duplicate": "Doublon",
}
SEVERITY_LABELS = {"low": "Faible", "medium": "Moyenne", "high": "Élevée", "critical": "Critique"}
CHANNEL_LABELS = {
    "web_form": "Formulaire en ligne",
    "phone": "Téléphone",
    "email": "E-mail",
    "api": "API",
    "scan": "Analyse",
}
OBLIGATION_LABELS = {
    "nis2_early_warning": "NIS2 : alerte précoce (24 h)",
    "nis2_notification": "NIS2 : notification d'incident (72 h)",
    "nis2_final_report": "NIS2 : rapport final (1 mois après la notification)",
    "csirt_reply": "NIS2 : réponse du CSIRT à l'alerte précoce (24 h)",
    "cnil_notification": "RGPD : notification à la CNIL (72 h)",
    "police_complaint": "Dépôt de plainte (police ou gendarmerie) conseillé",
    "insurer_notice": "Assureur informé",
}
OBSERVABLE_LABELS = {
    "ipv4": "Adresse IPv4",
    "ipv6": "Adresse IPv6",
    "domain": "Nom de domaine",
    "url": "URL",
    "email": "Adresse e-mail",
    "md5": "Empreinte MD5",
    "sha1": "Empreinte SHA-1",
    "sha256": "Empreinte SHA-256",
    "cve": "Vulnérabilité (CVE)",
    "filename": "Nom de fichier",
}
TIMELINE_LABELS = {
    "reported": "Signalement",
    "update": "Modification",
    "status": "Changement de statut",
    "comment": "Message",
    "observable": "Observable",
    "attachment": "Pièce jointe",
    "obligation": "Obligation",
    "follow_up": "Lien de suivi",
    "observation": "Constat",
    "action": "Action menée",
    "contact": "Échange",
    "decision": "Décision",
}
FIELD_LABELS = {
    "organisation": "Organisation",
    "rsit_class": "Classe RSIT",
    "rsit_type": "Type RSIT",
    "severity": "Gravité",
    "tlp": "TLP",
    "pap": "PAP",
    "assignee": "Analyste",
    "status": "Statut",
    "duplicate_of": "Doublon de",
    "significant": "Incident important (NIS2)",
    "personal_data_breach": "Violation de données personnelles",
    "aware_at": "Connaissance de l'incident",
    "resolution": "Résolution",
}
