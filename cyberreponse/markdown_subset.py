"""A small Markdown subset for text written in data files, rendered to safe HTML.

Supported: paragraphs (blank-line separated), bulleted lists (`- ` or `* `), numbered lists
(`1. `), **bold**, *italic*, and links `[text](url)` whose scheme is http, https, mailto or tel.
Everything else is text: it is escaped, never passed through (no raw HTML, no images, no
headings), and a link with any other scheme (`javascript:`, `data:`, relative) shows its text only.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from markupsafe import Markup, escape

ALLOWED_SCHEMES = ("http", "https", "mailto", "tel")

_LINK = r"\[(?P<link_text>[^\]\n]+)\]\((?P<url>[^()\s]+)\)"
_BOLD = r"\*\*(?P<bold>[^*\n](?:.*?[^*\n])?)\*\*"
_ITALIC = r"\*(?P<italic>[^*\s](?:[^*\n]*?[^*\s])?)\*"
_INLINE = re.compile(f"{_LINK}|{_BOLD}|{_ITALIC}")
_BULLET = re.compile(r"^[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\d{1,3}[.)]\s+(.*)$")
# Looser than _LINK on purpose: a validator must also see targets that _LINK would not render.
_ANY_LINK_TARGET = re.compile(r"\[[^\]\n]*\]\(\s*([^\s)]*)")


def safe_url(url: str) -> str | None:
    """The URL if its scheme is allowed (and http(s) names a host), else None."""
    if any(ord(char) < 0x21 or char in "<>\"'`\\" for char in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        return None
    if scheme in ("http", "https") and not parts.hostname:
        return None
    if scheme in ("mailto", "tel") and not parts.path:
        return None
    return url


def refused_links(text: str) -> list[str]:
    """The link targets in `text` that would not be rendered as links (for validators)."""
    return [m.group(1) for m in _ANY_LINK_TARGET.finditer(text) if safe_url(m.group(1)) is None]


def _inline(text: str) -> str:
    out: list[str] = []
    position = 0
    for match in _INLINE.finditer(text):
        out.append(str(escape(text[position : match.start()])))
        if match.group("link_text") is not None:
            url = safe_url(match.group("url"))
            label = escape(match.group("link_text"))
            if url is None:
                out.append(str(label))
            else:
                out.append(f'<a href="{escape(url)}" rel="noopener noreferrer nofollow">{label}</a>')
        elif match.group("bold") is not None:
            out.append(f"<strong>{_inline(match.group('bold'))}</strong>")
        else:
            out.append(f"<em>{_inline(match.group('italic'))}</em>")
        position = match.end()
    out.append(str(escape(text[position:])))
    return "".join(out)


def _blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            blocks[-1].append(line.rstrip())
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _render_block(lines: list[str]) -> str:
    """A block is a list if its first line is a list item; other lines continue the item."""
    for pattern, tag in ((_BULLET, "ul"), (_NUMBERED, "ol")):
        if pattern.match(lines[0].strip()):
            items: list[str] = []
            for line in lines:
                item = pattern.match(line.strip())
                if item and not line.startswith((" ", "\t")):
                    items.append(item.group(1))
                else:
                    items[-1] += " " + line.strip()
            body = "".join(f"<li>{_inline(item)}</li>" for item in items)
            return f"<{tag}>{body}</{tag}>"
    return "<p>" + _inline(" ".join(line.strip() for line in lines)) + "</p>"


def render_markdown(text: str) -> Markup:
    """Safe HTML for the subset; input is never trusted as HTML."""
    return Markup("\n".join(_render_block(block) for block in _blocks(text)))  # noqa: S704 - built from escaped parts
