"""Follow the DNSSEC chain of trust from a configured trust anchor down to a name's zone.

At each zone cut the parent's DS records (signed by the parent's keys) must match a DNSKEY of the child,
and the child's DNSKEY set must be signed by that key; at the end the zone's SOA must verify with its
keys. No DS at a cut makes everything below insecure (unsigned). Parent zones are shared by many targets:
their keys are validated once per run (RunState.memo).

Denial-of-existence proofs (NSEC/NSEC3) for a missing DS are not verified: this is a posture check of
what a zone publishes, not a resolver.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial
from typing import Any

import dns.dnssec
import dns.exception
import dns.name
import dns.rdatatype
import dns.rrset

from checks import policy
from checks.base import Text, Undecided
from checks.context import CheckContext
from checks.resolver import Answer, Resolver, name_text


@dataclass(frozen=True)
class ChainVerdict:
    state: str  # "secure", "insecure" or "bogus"
    zone: str  # the zone holding the name
    at: str  # where the chain ended (insecure) or broke (bogus); the zone itself when secure
    reason: str  # why, in plain English (kept in evidence)


class Bogus(Exception):
    def __init__(self, zone: str, reason: str) -> None:
        super().__init__(f"{zone}: {reason}")
        self.zone = zone
        self.reason = reason


def _matches(zone: dns.name.Name, key: Any, ds: Any) -> bool:
    try:
        return bool(dns.dnssec.make_ds(zone, key, ds.digest_type) == ds)
    except (dns.exception.UnsupportedAlgorithm, ValueError):
        return False


def validate_keys(zone: dns.name.Name, answer: Answer, trusted_ds: list[Any], now: float) -> dns.rrset.RRset:
    """The zone's DNSKEY set, once one of its keys matches a trusted DS and has signed the set (pure)."""
    where = name_text(zone)
    if answer.rrset is None:
        raise Bogus(where, "DS published but no DNSKEY")
    matching = [key for key in answer.rrset if any(_matches(zone, key, ds) for ds in trusted_ds)]
    if not matching:
        raise Bogus(where, "no DNSKEY matches the DS records")
    if answer.signatures is None:
        raise Bogus(where, "DNSKEY set is not signed")
    trusted = dns.rrset.from_rdata_list(zone, answer.rrset.ttl, matching)
    verify(answer, {zone: trusted}, now, where, "DNSKEY")
    return answer.rrset


def verify(answer: Answer, keys: dict[dns.name.Name, Any], now: float, where: str, what: str) -> None:
    if answer.rrset is None or answer.signatures is None:
        raise Bogus(where, f"{what} is not signed")
    try:
        dns.dnssec.validate(answer.rrset, answer.signatures, keys, now=now)
    except dns.exception.ValidationFailure as error:
        raise Bogus(where, f"{what} signature does not verify ({error})") from error


async def zone_of(context: CheckContext, name: str) -> str:
    """The apex of the zone holding `name`: where an SOA query finds its SOA."""
    answer = await context.dns.query(name, "SOA", authority=True)
    if answer.records:
        return answer.canonical_name
    if answer.authority_zone:
        return answer.authority_zone
    raise Undecided(
        "no_zone",
        Text(
            f"Vérification impossible : zone de {name} introuvable.",
            f"Could not decide: no zone found for {name}.",
        ),
    )


async def _is_apex(resolver: Resolver, name: str) -> bool:
    answer = await resolver.query(name, "SOA")
    return bool(answer.records) and answer.canonical_name == name


async def chain_verdict(context: CheckContext, name: str) -> ChainVerdict:
    zone_text = await zone_of(context, name)
    zone = dns.name.from_text(zone_text)
    anchors = context.run.trust_anchors
    anchor = max((a for a in anchors if zone.is_subdomain(a)), key=lambda a: len(a.labels), default=None)
    if anchor is None:
        raise Undecided(
            "no_trust_anchor",
            Text(
                f"Vérification impossible : aucune ancre de confiance DNSSEC ne couvre {zone_text}.",
                f"Could not decide: no DNSSEC trust anchor covers {zone_text}.",
            ),
        )
    resolver, memo, now = context.run.resolver, context.run.memo, context.now().timestamp()
    between = [zone.split(depth)[1] for depth in range(len(anchor.labels) + 1, len(zone.labels))]
    if len(between) > policy.DNSSEC_MAX_CHAIN_ZONES:
        between = between[-policy.DNSSEC_MAX_CHAIN_ZONES :]
    apex_flags = await asyncio.gather(
        *(memo.get(("apex", c), partial(_is_apex, resolver, name_text(c))) for c in between)
    )
    cuts = [c for c, is_apex in zip(between, apex_flags, strict=True) if is_apex]

    async def anchor_keys() -> dns.rrset.RRset:
        answer = await resolver.query(name_text(anchor), "DNSKEY", dnssec=True)
        return validate_keys(anchor, answer, anchors[anchor], now)

    try:
        keys = await memo.get(("keys", anchor), anchor_keys)
        parent = anchor
        for child in [*cuts, zone] if zone != anchor else []:
            step = partial(_child_keys, resolver, context, parent, keys, child, now, child != zone)
            # Parent zones are shared by many targets: validated once per run.
            child_keys = await (memo.get(("keys", child), step) if child != zone else step())
            if child_keys is None:
                return ChainVerdict("insecure", zone_text, name_text(child), "no DS record at the delegation")
            keys, parent = child_keys, child
        soa = await context.dns.query(zone_text, "SOA", dnssec=True)
        verify(soa, {zone: keys}, now, zone_text, "SOA")
    except Bogus as error:
        return ChainVerdict("bogus", zone_text, error.zone, error.reason)
    except dns.exception.UnsupportedAlgorithm as error:
        raise Undecided(
            "unsupported_algorithm",
            Text(
                "Vérification impossible : algorithme DNSSEC non pris en charge.",
                "Could not decide: unsupported DNSSEC algorithm.",
            ),
            {"detail": str(error)},
        ) from error
    return ChainVerdict("secure", zone_text, zone_text, "chain of trust verified")


async def _child_keys(
    resolver: Resolver,
    context: CheckContext,
    parent: dns.name.Name,
    parent_keys: dns.rrset.RRset,
    child: dns.name.Name,
    now: float,
    shared: bool,
) -> dns.rrset.RRset | None:
    """The child's validated keys; None when the parent publishes no DS for it (insecure below)."""
    ask = resolver.query if shared else context.dns.query
    ds = await ask(name_text(child), "DS", dnssec=True)
    if not ds.records:
        return None
    verify(ds, {parent: parent_keys}, now, name_text(child), "DS")
    dnskey = await ask(name_text(child), "DNSKEY", dnssec=True)
    return validate_keys(child, dnskey, list(ds.records), now)
