"""What the scheduled scans may touch and how gently: scan options and the exclusion list, from settings.

Three gates stand between a registered asset and the network, all checked when units are created and
again when each unit runs: the organisation is active and consented, the asset is scan-enabled, and
the asset is not on the exclusion list (`scanning.excluded`). The exclusion list also reaches the
checks library, which refuses to contact an excluded address that a name resolves to.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from checks import policy
from checks.context import NmapOptions, Ports, ScanOptions
from checks.resolver import parse_nameserver
from checks.targets import InvalidTarget, Target, TargetKind, normalise_domain, parse_target
from cyberreponse.config import Settings

# Which check families apply to which kind of asset. A "host" is a name that is not a mail domain
# (extranet.mairie.fr): mail checks on it would only report missing SPF and DMARC that nobody needs.
FAMILIES_BY_KIND: dict[str, tuple[str, ...]] = {
    "domain": ("mail", "dns", "tls", "web", "exposure"),
    "host": ("dns", "tls", "web", "exposure"),
    "ip": ("exposure",),
    "cidr": ("exposure",),
}


@dataclass(frozen=True)
class Exclusions:
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    domains: tuple[str, ...]

    def excludes(self, kind: str, value: str) -> bool:
        """True when the asset lies in an excluded network or under an excluded domain."""
        if kind in ("domain", "host"):
            return any(value == d or value.endswith("." + d) for d in self.domains)
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return True  # an asset we cannot read is never scanned
        return any(network.version == n.version and network.overlaps(n) for n in self.networks)


def exclusions(settings: Settings) -> Exclusions:
    networks, domains = [], []
    for item in settings.get_list("scanning.excluded"):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            domains.append(normalise_domain(item))
    return Exclusions(tuple(networks), tuple(domains))


def families(settings: Settings, kind: str) -> tuple[str, ...]:
    """The check families run on an asset of this kind, among those the deployment enabled."""
    enabled = set(settings.get_list("scanning.families"))
    return tuple(f for f in FAMILIES_BY_KIND.get(kind, ()) if f in enabled)


def target_for(kind: str, value: str) -> Target:
    """The checks library's target for a stored asset (hosts are names; CIDR blocks are networks)."""
    target = parse_target(value)
    expected = {"domain": TargetKind.DOMAIN, "host": TargetKind.DOMAIN, "ip": TargetKind.IP}
    if kind in expected and target.kind is not expected[kind]:
        raise InvalidTarget(value, f"not a valid {kind}")
    return target


def user_agent(settings: Settings) -> str:
    """Names the CSIRT and the public page that explains the scans (who, what, how to opt out)."""
    page = settings.get_str("app.base_url") + settings.get_str("scanning.info_path")
    # Header values are ASCII: "CSIRT régional" becomes "CSIRT regional".
    name = (
        unicodedata.normalize("NFKD", settings.get_str("app.csirt_name")).encode("ascii", "ignore").decode()
    )
    return f"CybeReponse-scanner/0.1 (+{page}; {name})"


def shared_limits_url(settings: Settings) -> str:
    """Where the politeness limits are kept for the whole deployment; "" keeps them in each process.

    By default, Celery workers share them through the broker when it is Redis (every worker reaches
    it already); a RabbitMQ broker has no such store, so the limits stay per process unless a Redis URL
    is set. In-process runners keep their own unless a Redis URL is set (no Redis needed by default).
    """
    configured = settings.get_str("scanning.shared_limits_url")
    if configured == "inprocess":
        return ""
    if configured:
        return configured
    broker = settings.get_str("jobs.celery_broker_url")
    if settings.get_str("jobs.executor") == "celery" and broker.startswith(("redis://", "rediss://")):
        return broker
    return ""


def scan_options(settings: Settings) -> ScanOptions:
    ca_file = settings.get_str("scanning.ca_file")
    timeout = float(settings.get_int("scanning.check_timeout"))
    return ScanOptions(
        nameservers=tuple(parse_nameserver(n) for n in settings.get_list("scanning.nameservers")),
        check_timeout=timeout,
        exposure_timeout=max(timeout, policy.EXPOSURE_TIMEOUT),
        concurrency=settings.get_int("scanning.concurrency"),
        ca_file=Path(ca_file) if ca_file else None,
        allow_private_addresses=settings.get_bool("scanning.allow_private_addresses"),
        excluded_networks=tuple(str(n) for n in exclusions(settings).networks),
        per_address_connections=settings.get_int("scanning.per_address_connections"),
        connections_per_second=float(settings.get_int("scanning.connections_per_second")),
        shared_limits_url=shared_limits_url(settings),
        shared_limits_lease=float(settings.get_int("scanning.shared_limits_lease_seconds")),
        shared_limits_prefix=settings.get_str("scanning.shared_limits_prefix"),
        user_agent=user_agent(settings),
        ports=Ports(
            smtp=settings.get_int("scanning.smtp_port"),
            http=settings.get_int("scanning.http_port"),
            https=settings.get_int("scanning.https_port"),
        ),
        nmap=NmapOptions(
            timing="-" + settings.get_str("scanning.nmap_timing"),
            max_rate=settings.get_int("scanning.nmap_max_rate"),
            parallel_runs=settings.get_int("scanning.nmap_parallel_runs"),
        ),
    )
