"""Every threshold a check applies, each with the source it follows.

Change a verdict here, not in the checks. Timeouts and politeness limits are defaults: ScanOptions
and the `cyberreponse scan` options override them.
"""

from __future__ import annotations

# --- SPF (RFC 7208) -------------------------------------------------------------------------------
# §4.6.4: at most 10 terms that cause DNS queries (include, a, mx, ptr, exists, redirect), counted over
# the whole evaluation, so recursively through include and redirect; a check over the limit is permerror.
SPF_MAX_DNS_LOOKUPS = 10
# §4.6.4: at most 2 "void lookups" (NXDOMAIN or an empty answer), else permerror.
SPF_MAX_VOID_LOOKUPS = 2
# Our own bound on how far an SPF tree is followed (well past the RFC limits, so those can be reported).
SPF_MAX_TERMS_FOLLOWED = 40
SPF_MAX_DEPTH = 10

# --- DMARC (RFC 7489) -----------------------------------------------------------------------------
# §6.3: pct is a percentage; anything under 100 applies the policy to part of the mail only.
DMARC_FULL_PCT = 100

# --- Certificates ---------------------------------------------------------------------------------
# Issue #4, after testssl.sh (which warns at 60 days and alerts at 30): days before expiry.
CERT_EXPIRY_HIGH_DAYS = 30
CERT_EXPIRY_MEDIUM_DAYS = 60
# ANSSI "Guide de sélection d'algorithmes cryptographiques" (2021) and NIST SP 800-57 Pt 1:
# RSA (and DSA) moduli of at least 2048 bits, elliptic curves of at least 256 bits.
MIN_RSA_BITS = 2048
MIN_DSA_BITS = 2048
MIN_EC_BITS = 256
# CA/Browser Forum Baseline Requirements §7.1.3: SHA-1 and MD5 signatures are no longer acceptable.
WEAK_SIGNATURE_HASHES = {"md5": "high", "sha1": "medium"}

# --- TLS protocols --------------------------------------------------------------------------------
# RFC 8996 deprecates TLS 1.0 and 1.1; RFC 7568 deprecates SSL 3.0 (ANSSI guide TLS, R3 and R4).
LEGACY_PROTOCOLS = ("SSLv3", "TLSv1", "TLSv1.1")

# --- HTTPS ----------------------------------------------------------------------------------------
# internet.nl's HSTS test (and the HSTS preload list) ask for max-age of at least one year.
HSTS_MIN_MAX_AGE = 31_536_000
# RFC 9116 §3: security.txt lives at /.well-known/security.txt; §2.5.5 requires an Expires field.
SECURITY_TXT_PATHS = ("/.well-known/security.txt", "/security.txt")
SECURITY_TXT_MAX_BYTES = 32_768
HTTP_MAX_HEADER_BYTES = 65_536

# --- DNSSEC ---------------------------------------------------------------------------------------
# The IANA root trust anchors (https://data.iana.org/root-anchors/root-anchors.xml): KSK-2017 and
# KSK-2024, as DS records. Deployments may add others (a test zone's) through ScanOptions.
ROOT_TRUST_ANCHORS = {
    ".": (
        "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
        "38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
    )
}
DNSSEC_MAX_CHAIN_ZONES = 12

# --- How much of a target is looked at ------------------------------------------------------------
MAX_MX_HOSTS = 5  # RFC 5321 gives no bound; five covers primary and backups of any sane setup
MAX_ADDRESSES_PER_HOST = 4
MAX_NETWORK_ADDRESSES = 256  # a member declares its own few addresses, not a provider's block

# --- Timeouts (seconds) and politeness ------------------------------------------------------------
DNS_TIMEOUT = 3.0  # per attempt and name server
DNS_ATTEMPTS = 2
CONNECT_TIMEOUT = 8.0
IO_TIMEOUT = 10.0
CHECK_TIMEOUT = 30.0  # hard limit per check and target
EXPOSURE_TIMEOUT = 600.0  # hard limit for the exposure check, which waits for nmap batches
DEFAULT_CONCURRENCY = 20  # targets scanned at once
# Shared limits (checks.shared_limits): a process that died without giving its slots back (killed
# worker) blocks them at most this long; holders renew every third of it.
SHARED_LIMITS_LEASE = 15.0
SMTP_MAX_REPLY_LINES = 100

# nmap: one run per batch of hosts, a TCP connect scan (works without root) at normal timing with a
# packet-rate cap, one retry, and a time limit per host: gentle on members' links and firewalls.
NMAP_BATCH_SIZE = 64
NMAP_BATCH_WAIT = 1.0  # seconds a batch waits for more hosts before nmap starts
# Packets per second for all nmap runs together, each run taking its share (200 / 2 runs: --max-rate
# 100 per run, as before the rate was split).
NMAP_MAX_RATE = 200
NMAP_PARALLEL_RUNS = 2  # nmap runs at once: per process, or per deployment when limits are shared
NMAP_MAX_RETRIES = 1
NMAP_HOST_TIMEOUT = 120  # seconds
NMAP_TIMING = "-T3"
# Paranoid to normal: aggressive and insane templates (-T4, -T5) are never used on members' networks.
NMAP_ALLOWED_TIMINGS = ("-T0", "-T1", "-T2", "-T3")

USER_AGENT = "CybeReponse-scanner/0.1 (security posture checks by a regional CSIRT)"
HELO_NAME = "scanner.cyberreponse.invalid"
