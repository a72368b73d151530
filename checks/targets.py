"""What may be scanned: a syntactically valid domain name, IP address or small network — nothing else.

Every value is normalised here before any check, resolver or nmap run sees it, so a value such as
`x.fr;id` or `-iL /etc/passwd` never reaches a command line. Consent and registration are the
application's business; this module only guarantees the syntax.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from dataclasses import dataclass

import idna

from checks import policy

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class TargetKind(enum.StrEnum):
    DOMAIN = "domain"
    IP = "ip"
    NETWORK = "network"


class InvalidTarget(ValueError):
    def __init__(self, raw: str, reason: str) -> None:
        super().__init__(f"{raw!r}: {reason}")
        self.raw = raw
        self.reason = reason


@dataclass(frozen=True)
class Target:
    value: str  # ASCII: IDNA-encoded, lower case, no trailing dot; or the canonical IP/network text
    kind: TargetKind

    @property
    def display(self) -> str:
        """The form people recognise (mairie-évry.test rather than xn--mairie-vry-...)."""
        if self.kind is not TargetKind.DOMAIN:
            return self.value
        try:
            return idna.decode(self.value)
        except idna.IDNAError:
            return self.value

    def __str__(self) -> str:
        return self.value


def normalise_domain(raw: str) -> str:
    """IDNA 2008 with UTS 46 mapping, lower case, no trailing dot, at least two labels, not all digits."""
    value = raw.strip().rstrip(".")
    if not value:
        raise InvalidTarget(raw, "empty name")
    try:
        ascii_name = idna.encode(value, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError) as error:
        raise InvalidTarget(raw, f"not a valid domain name ({error})") from error
    labels = ascii_name.split(".")
    if len(labels) < 2 or len(ascii_name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise InvalidTarget(raw, "not a valid domain name")
    if labels[-1].isdigit():
        raise InvalidTarget(raw, "looks like an IP address but is not a valid one")
    return ascii_name


def parse_target(raw: str) -> Target:
    """A domain, an IP address or a network of at most `policy.MAX_NETWORK_ADDRESSES` addresses."""
    value = raw.strip()
    if not value or len(value) > 300:
        raise InvalidTarget(raw, "empty or too long")
    try:
        return Target(str(ipaddress.ip_address(value)), TargetKind.IP)
    except ValueError:
        pass
    if "/" in value:
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError as error:
            raise InvalidTarget(raw, "not a valid network (expected e.g. 192.0.2.0/28)") from error
        if network.num_addresses > policy.MAX_NETWORK_ADDRESSES:
            raise InvalidTarget(raw, f"a network may hold at most {policy.MAX_NETWORK_ADDRESSES} addresses")
        return Target(str(network), TargetKind.NETWORK)
    return Target(normalise_domain(value), TargetKind.DOMAIN)


def is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
