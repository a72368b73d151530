"""The DMARC parser (RFC 7489 §6.3): tags, bounds, French messages, no crash on any text (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.mail.dmarc_record import DmarcSyntaxError, is_dmarc_record, parse_dmarc


def test_full_record_parses() -> None:
    record = parse_dmarc(
        "v=DMARC1; p=quarantine; sp=reject; pct=50; rua=mailto:dmarc@mairie.test,mailto:x@rapports.test!10m; "
        "ruf=mailto:forensic@mairie.test; adkim=s; aspf=r; fo=1:d; ri=3600"
    )
    assert (record.policy, record.subdomain_policy, record.pct) == ("quarantine", "reject", 50)
    assert [u.mailbox_domain for u in record.rua] == ["mairie.test", "rapports.test"]
    assert record.rua[1].size_limit == "10m"
    assert (record.adkim, record.aspf) == ("s", "r")


def test_defaults_and_whitespace_and_unknown_tags() -> None:
    record = parse_dmarc("v = DMARC1 ;p=REJECT;  future=tag ;")
    assert (record.policy, record.pct, record.rua, record.subdomain_policy) == ("reject", 100, (), None)
    assert ("future", "tag") in record.tags


def test_only_records_starting_with_the_version_count() -> None:
    assert is_dmarc_record("v=DMARC1; p=none")
    assert is_dmarc_record("v=DMARC1")
    assert not is_dmarc_record("p=none; v=DMARC1")
    assert not is_dmarc_record("v=dmarc1; p=none")  # the version is case-sensitive (§6.4)
    assert not is_dmarc_record("v=DMARC10; p=none")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("v=DMARC1", "l'étiquette « p » (politique) est absente"),
        ("v=DMARC1; p=block", "valeur attendue none, quarantine ou reject"),
        ("v=DMARC1; p=none; sp=maybe", "« sp=maybe »"),
        ("v=DMARC1; p=none; pct=150", "entier attendu entre 0 et 100"),
        ("v=DMARC1; p=none; pct=²", "entier attendu"),
        ("v=DMARC1; p=none; p=reject", "apparaît plusieurs fois"),
        ("v=DMARC1; p=none; rua=dmarc@mairie.test", "adresse de rapport invalide"),
        ("v=DMARC1; p=none; rua=mailto:nobody", "adresse de courriel invalide"),
        ("v=DMARC1; p=none; adkim=x", "« adkim » doit valoir r ou s"),
        ("v=DMARC1; p=none; garbage", "mal formé"),
    ],
)
def test_syntax_errors_in_french(text: str, message: str) -> None:
    with pytest.raises(DmarcSyntaxError) as raised:
        parse_dmarc(text)
    assert message in raised.value.message


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_raises_a_syntax_error(text: str) -> None:
    for candidate in (text, "v=DMARC1; " + text, "v=DMARC1; p=none; " + text):
        try:
            parse_dmarc(candidate)
        except DmarcSyntaxError as error:
            assert error.message


_TAGS = st.fixed_dictionaries(
    {},
    optional={
        "sp": st.sampled_from(["none", "quarantine", "reject"]),
        "pct": st.integers(0, 100).map(str),
        "rua": st.sampled_from(["mailto:a@mairie.test", "mailto:a@x.test!5m,mailto:b@y.test"]),
        "adkim": st.sampled_from(["r", "s"]),
        "ri": st.integers(0, 10**6).map(str),
    },
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["none", "quarantine", "reject"]), _TAGS)
def test_records_built_from_valid_tags_always_parse(policy: str, tags: dict[str, str]) -> None:
    text = f"v=DMARC1; p={policy}" + "".join(f"; {k}={v}" for k, v in tags.items())
    record = parse_dmarc(text)
    assert record.policy == policy
    assert record.pct == int(tags.get("pct", "100"))
