"""The SPF parser: RFC 7208 grammar, French messages, and no crash on any text (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from checks.mail.spf_record import SpfSyntaxError, is_spf_record, parse_spf


def test_typical_record_parses_into_mechanisms_and_modifiers() -> None:
    record = parse_spf(
        "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.provider.test mx a:mail.mairie.test -all"
    )
    assert [m.name for m in record.mechanisms] == ["ip4", "ip6", "include", "mx", "a", "all"]
    assert record.mechanisms[0].cidr4 == 24
    assert record.mechanisms[1].cidr6 == 32
    assert record.all is not None and record.all.qualifier == "-"
    assert record.lookup_terms == 3  # include, mx, a


def test_version_must_be_exact_and_followed_by_space() -> None:
    assert is_spf_record("v=spf1 -all")
    assert is_spf_record("V=SPF1")
    assert not is_spf_record("v=spf10 -all")
    assert not is_spf_record("v=DMARC1; p=none")
    assert not is_spf_record(" v=spf1 -all")


def test_redirect_is_ignored_when_all_is_present() -> None:
    assert parse_spf("v=spf1 redirect=_spf.mairie.test").redirect == "_spf.mairie.test"
    record = parse_spf("v=spf1 -all redirect=_spf.mairie.test")
    assert record.redirect is None
    assert record.lookup_terms == 0


def test_mechanism_names_are_case_insensitive_and_default_qualifier_is_pass() -> None:
    record = parse_spf("v=spf1 MX Include:_spf.mairie.test ?ALL")
    assert [(m.qualifier, m.name) for m in record.mechanisms] == [("+", "mx"), ("+", "include"), ("?", "all")]


def test_dual_cidr_lengths_on_a_and_mx() -> None:
    a, mx = parse_spf("v=spf1 a:mairie.test/24//64 mx//48 -all").mechanisms[:2]
    assert (a.domain, a.cidr4, a.cidr6) == ("mairie.test", 24, 64)
    assert (mx.domain, mx.cidr4, mx.cidr6) == (None, None, 48)


def test_macros_are_accepted_in_domain_specs() -> None:
    record = parse_spf("v=spf1 exists:%{i}._spf.%{d} include:%{l1r-}.users.mairie.test exp=explain.%{d} -all")
    assert record.mechanisms[0].has_macros
    assert record.mechanisms[1].has_macros


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("v=spf1 include -all", "« include » demande un nom de domaine"),
        ("v=spf1 ip4:192.0.2.300 -all", "adresse IP invalide"),
        ("v=spf1 ip4:2001:db8::1 -all", "n'accepte que des adresses IPv4"),
        ("v=spf1 ip4:192.0.2.0/33 -all", "longueur de préfixe invalide (0 à 32)"),
        ("v=spf1 a/33 -all", "longueur de préfixe IPv4 invalide"),
        ("v=spf1 foo:bar.test -all", "mécanisme inconnu"),
        ("v=spf1 all:x.test", "« all » ne prend pas d'argument"),
        ("v=spf1 include:mairie -all", "nom de domaine invalide"),
        ("v=spf1 include:mairie.123 -all", "nom de domaine invalide"),
        ("v=spf1 redirect=a.test redirect=b.test", "apparaît plusieurs fois"),
        ("v=spf1 exists:%{z}.test -all", "macro invalide"),
        ("v=spf1 include:mairie.test\t-all", "caractère non autorisé"),
        ("v=spf1 ptr/24 -all", "« ptr » ne prend pas de longueur de préfixe"),
    ],
)
def test_syntax_errors_name_the_term_in_french(text: str, message: str) -> None:
    with pytest.raises(SpfSyntaxError) as raised:
        parse_spf(text)
    assert message in raised.value.message


def test_str_of_a_mechanism_gives_back_its_text() -> None:
    record = parse_spf("v=spf1 -ip4:192.0.2.0/24 ~a:mx.mairie.test/24//64 -all")
    assert [str(m) for m in record.mechanisms] == ["-ip4:192.0.2.0/24", "~a:mx.mairie.test/24//64", "-all"]


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_raises_a_syntax_error(text: str) -> None:
    for candidate in (text, "v=spf1 " + text):
        try:
            parse_spf(candidate)
        except SpfSyntaxError as error:
            assert error.message


_TERMS = st.sampled_from(
    [
        "mx",
        "a",
        "ptr",
        "-all",
        "~all",
        "?all",
        "+all",
        "include:_spf.mairie.test",
        "ip4:192.0.2.0/24",
        "ip6:2001:db8::/32",
        "a:%{d}",
        "exists:%{i}.x.test",
        "mx/24//64",
        "foo=bar",
        "exp=explain.mairie.test",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_TERMS, max_size=12), st.integers(min_value=1, max_value=3))
def test_records_built_from_valid_terms_always_parse(terms: list[str], spaces: int) -> None:
    assume(terms.count("exp=explain.mairie.test") <= 1)  # §6: a modifier appears at most once
    record = parse_spf("v=spf1" + "".join(" " * spaces + t for t in terms))
    assert len(record.mechanisms) + len(record.modifiers) == len(terms)
