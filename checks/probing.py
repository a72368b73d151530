"""Probing every address of some hosts, and concluding from what each probe gave.

Shared by the checks that connect (STARTTLS, certificates, protocols, HTTPS): they resolve names through
the target's DNS view, keep the addresses the policy allows, probe each, and conclude with one rule:
problems found are reported; otherwise an address that could not be decided makes the result `error`;
otherwise, when no address offered the service at all, the check did not apply (`skipped`).
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from checks import policy
from checks.base import NotApplicable, Outcome, Problem, Text, Undecided, merge_by_code
from checks.connector import AddressNotAllowed, ConnectionFailed
from checks.context import CheckContext
from checks.resolver import LookupFailed

T = TypeVar("T")


@dataclass
class AddressPlan:
    endpoints: list[tuple[str, str]] = field(default_factory=list)  # (host name, address) to probe
    private: list[str] = field(default_factory=list)  # addresses the policy forbids contacting
    excluded: list[str] = field(default_factory=list)  # addresses on the deployment's exclusion list
    unresolved: list[str] = field(default_factory=list)  # hosts whose address lookups failed
    without_address: list[str] = field(default_factory=list)


async def plan_addresses(context: CheckContext, hosts: Sequence[str]) -> AddressPlan:
    plan = AddressPlan()
    lookups = await asyncio.gather(*(context.dns.addresses(h) for h in hosts), return_exceptions=True)
    for host, found in zip(hosts, lookups, strict=True):
        if isinstance(found, LookupFailed):
            plan.unresolved.append(host)
            continue
        if isinstance(found, BaseException):
            raise found
        if not found.addresses:
            plan.without_address.append(host)
        for address in found.addresses[: policy.MAX_ADDRESSES_PER_HOST]:
            if context.connector.is_allowed(address):
                plan.endpoints.append((host, address))
            elif context.connector.is_excluded(address):
                plan.excluded.append(address)
            else:
                plan.private.append(address)
    return plan


@dataclass
class Tally:
    """What the probes of one check gave, address by address."""

    problems: list[Problem] = field(default_factory=list)
    undecided: list[dict[str, Any]] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)  # refused connection: no such service there
    no_route: list[str] = field(default_factory=list)  # IPv6 without connectivity from the scanner
    decided: int = 0

    @classmethod
    def for_plan(cls, plan: AddressPlan) -> Tally:
        """A host whose addresses could not be resolved is undecided, like an address that timed out."""
        return cls(undecided=[{"address": host, "reason": "dns"} for host in plan.unresolved])

    def connection_failed(self, error: ConnectionFailed) -> None:
        if error.reason == "refused":
            self.absent.append(error.address)
        elif error.reason == "unreachable" and ipaddress.ip_address(error.address).version == 6:
            self.no_route.append(error.address)
        else:
            self.undecided.append({"address": error.address, "port": error.port, "reason": error.reason})

    def evidence(self) -> dict[str, Any]:
        evidence: dict[str, Any] = {}
        if self.undecided:
            evidence["undecided"] = self.undecided
        if self.absent:
            evidence["connection_refused"] = self.absent
        if self.no_route:
            evidence["ipv6_unreachable"] = self.no_route
        return evidence

    def conclude(
        self, evidence: dict[str, Any], absent: NotApplicable, summary: Text | None = None
    ) -> Outcome:
        evidence = {**evidence, **self.evidence()}
        if self.problems:
            return Outcome(merge_by_code(self.problems), evidence, summary)
        if self.undecided:
            where = ", ".join(f"{u['address']} ({u['reason']})" for u in self.undecided)
            raise Undecided(
                "connection",
                Text(f"Vérification impossible pour {where}.", f"Could not decide for {where}."),
                {"undecided": self.undecided},
            )
        if not self.decided:
            raise NotApplicable(absent.reason, absent.message, {**absent.details, **self.evidence()})
        return Outcome([], evidence, summary)


async def probe_all(
    endpoints: Sequence[tuple[str, str]],
    probe: Callable[[str, str], Awaitable[T]],
    tally: Tally,
) -> list[tuple[str, str, T]]:
    """Run `probe(host, address)` on every endpoint at once; connection failures go to the tally."""
    outcomes = await asyncio.gather(*(probe(h, a) for h, a in endpoints), return_exceptions=True)
    done = []
    for (host, address), outcome in zip(endpoints, outcomes, strict=True):
        if isinstance(outcome, ConnectionFailed):
            tally.connection_failed(outcome)
        elif isinstance(outcome, AddressNotAllowed):
            continue
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            tally.decided += 1
            done.append((host, address, outcome))
    return done


def unresolved_undecided(plan: AddressPlan) -> Undecided:
    hosts = ", ".join(plan.unresolved)
    return Undecided(
        "dns",
        Text(
            f"Vérification impossible : l'adresse de {hosts} n'a pas pu être résolue.",
            f"Could not decide: the address of {hosts} could not be resolved.",
        ),
        {"hosts": plan.unresolved},
    )


def no_address(name: str, plan: AddressPlan) -> NotApplicable:
    if plan.excluded and not plan.private:
        return NotApplicable(
            "excluded_address",
            Text(
                f"Non analysé : {name} ne pointe que vers des adresses de la liste d'exclusion.",
                f"Not scanned: {name} points only to addresses on the exclusion list.",
            ),
            {"addresses": plan.excluded},
        )
    if plan.private or plan.excluded:
        return NotApplicable(
            "private_address",
            Text(
                f"Non analysé : {name} ne pointe que vers des adresses non publiques.",
                f"Not scanned: {name} points only to non-public addresses.",
            ),
            {"addresses": plan.private + plan.excluded},
        )
    return NotApplicable(
        "no_address",
        Text(f"Non applicable : {name} n'a pas d'adresse IP.", f"Not applicable: {name} has no IP address."),
    )
