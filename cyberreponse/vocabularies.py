"""Shared vocabularies (DESIGN §5): stored codes, never shown as such to reporters.

The web layer gives them French labels (web/labels.py); data files (playbooks, questionnaires)
are validated against them.
"""

from __future__ import annotations

# ENISA Reference Security Incident Taxonomy (RSIT): class -> types, in the taxonomy's order.
RSIT_TAXONOMY: dict[str, tuple[str, ...]] = {
    "abusive-content": ("spam", "harmful-speech", "violence"),
    "malicious-code": ("infected-system", "c2-server", "malware-distribution", "malware-configuration"),
    "information-gathering": ("scanner", "sniffing", "social-engineering"),
    "intrusion-attempts": ("ids-alert", "brute-force", "exploit"),
    "intrusions": (
        "privileged-account-compromise",
        "unprivileged-account-compromise",
        "application-compromise",
        "system-compromise",
        "burglary",
    ),
    "availability": ("dos", "ddos", "misconfiguration", "sabotage", "outage"),
    "information-content-security": (
        "unauthorised-information-access",
        "unauthorised-information-modification",
        "data-loss",
        "data-leak",
    ),
    "fraud": ("unauthorised-use-of-resources", "copyright", "masquerade", "phishing"),
    "vulnerable": (
        "weak-crypto",
        "ddos-amplifier",
        "potentially-unwanted-accessible",
        "information-disclosure",
        "vulnerable-system",
    ),
    "other": ("other", "undetermined"),
    "test": ("test",),
}
RSIT_TYPES: tuple[str, ...] = tuple(t for types in RSIT_TAXONOMY.values() for t in types)
RSIT_CLASS_OF_TYPE: dict[str, str] = {t: c for c, types in RSIT_TAXONOMY.items() for t in types}

# What a reporter ticks on the public form, in plain French (labels in web/labels.py).
REPORTER_SITUATIONS: tuple[str, ...] = (
    "ransomware",
    "mailbox_compromised",
    "payment_fraud",
    "website_defaced",
    "suspicious_message",
    "strange_computer",
    "data_exposed",
    "service_unavailable",
    "unknown",
)

# Legal and contractual obligations tracked on an incident (services/deadlines.py derives them).
OBLIGATION_KINDS: tuple[str, ...] = (
    "nis2_early_warning",
    "nis2_notification",
    "nis2_final_report",
    "csirt_reply",
    "cnil_notification",
    "police_complaint",
    "insurer_notice",
)
