"""The Markdown subset of data files: what renders, and what is always escaped."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from cyberreponse.markdown_subset import refused_links, render_markdown

ALLOWED_TAG = re.compile(
    r"</?(p|ul|ol|li|strong|em)>|<a href=\"[^\"<>]*\" rel=\"noopener noreferrer nofollow\">|</a>"
)


def test_paragraphs_lists_and_emphasis_render_as_html() -> None:
    html = render_markdown("Premier **gras** et *italique*.\n\n- un\n- deux\n\n1. a\n2. b")
    assert html == (
        "<p>Premier <strong>gras</strong> et <em>italique</em>.</p>\n"
        "<ul><li>un</li><li>deux</li></ul>\n"
        "<ol><li>a</li><li>b</li></ol>"
    )


def test_indented_line_continues_the_list_item() -> None:
    assert render_markdown("- un\n  suite\n- deux") == "<ul><li>un suite</li><li>deux</li></ul>"


def test_raw_html_is_escaped_not_rendered() -> None:
    html = render_markdown('<script>alert(1)</script> <img src=x onerror="alert(1)">')
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_http_mailto_and_tel_links_render() -> None:
    html = render_markdown(
        "[CNIL](https://www.cnil.fr) [écrire](mailto:dpo@mairie.test) [appeler](tel:+33123456789)"
    )
    assert '<a href="https://www.cnil.fr" rel="noopener noreferrer nofollow">CNIL</a>' in html
    assert '<a href="mailto:dpo@mairie.test"' in html
    assert '<a href="tel:+33123456789"' in html


def test_javascript_link_shows_its_text_without_a_link() -> None:
    html = render_markdown("[cliquez](javascript:alert) et [ici](JavaScript:alert)")
    assert "<a" not in html
    assert "javascript" not in html.lower()
    assert html == "<p>cliquez et ici</p>"


def test_data_and_relative_links_are_not_rendered_as_links() -> None:
    html = render_markdown("[a](data:text/html;base64,PHNjcmlwdD4=) [b](/admin) [c](//evil.test/x)")
    assert "<a" not in html


def test_quote_in_url_cannot_break_out_of_the_attribute() -> None:
    html = render_markdown('[x](https://ok.test/"onmouseover="alert(1))')
    assert 'onmouseover="alert' not in html


def test_refused_links_names_the_bad_targets_for_validators() -> None:
    text = "[ok](https://cyber.gouv.fr) [ko](javascript:alert(1)) [ko2](ftp://files.test)"
    assert refused_links(text) == ["javascript:alert(1", "ftp://files.test"]


@given(st.text(alphabet=st.sampled_from(list("<>\"'&*[]()-:/ \njavscript1.ahtp")), max_size=80))
def test_any_input_yields_only_the_allowed_tags(text: str) -> None:
    html = str(render_markdown(text))
    assert "<" not in ALLOWED_TAG.sub("", html)
    assert not re.search(r'href="(?!https?://|mailto:|tel:)', html, re.IGNORECASE)
