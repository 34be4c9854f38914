"""Staff text -> ReportLab paragraph markup: escaped, **bold** made bold, fallback-font runs.

Staff text never reaches ReportLab's markup parser as markup: `&`, `<` and `>` are escaped first,
so tags, links, images and colour attributes typed in content print as the characters typed.
The only emphasis is our own `**bold**`.
"""

from __future__ import annotations

import itertools
import unicodedata
from functools import cache, lru_cache

from ..content.model import BOLD, SPACE
from .styles import BODY, BODY_BOLD, FALLBACK, FALLBACK_BOLD, font_characters

# Scripts that need shaping or right-to-left layout, which this tool does not do yet.
_UNSUPPORTED_SCRIPTS = (
    (0x0590, 0x08FF, "Hebrew, Arabic, Syriac and Thaana (right-to-left)"),
    (0x0900, 0x0DFF, "Indic scripts (they need shaping)"),
    (0x0E00, 0x0FFF, "Thai, Lao and Tibetan (they need shaping)"),
    (0x1000, 0x109F, "Myanmar (it needs shaping)"),
    (0x1780, 0x17FF, "Khmer (it needs shaping)"),
    (0xFB1D, 0xFDFF, "Hebrew and Arabic (right-to-left)"),
    (0xFE70, 0xFEFF, "Arabic (right-to-left)"),
)
_INVISIBLE_OK = {0x200B, 0x200C, 0x200D, 0x00AD, 0xFEFF, 0x2060}


def to_markup(text: str) -> str:
    """Turn staff text into safe paragraph markup."""
    text = SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()
    parts = BOLD.split(text)  # odd indexes are the bold runs
    out = []
    for index, part in enumerate(parts):
        run = _font_runs(part)
        out.append(f"<b>{run}</b>" if index % 2 else run)
    return "".join(out)


def _font_runs(text: str) -> str:
    """Escape text and wrap the characters the body font lacks in the fallback font."""
    body = font_characters(BODY)
    out = []
    for lacks, run in itertools.groupby(text, key=lambda c: _needs_fallback(c, body)):
        run = _escape("".join(run))
        out.append(f'<font name="{FALLBACK}">{run}</font>' if lacks else run)
    return "".join(out)


@lru_cache(maxsize=4096)  # the same footer and header lines are drawn on every page
def font_runs(text: str, bold: bool = False) -> tuple[tuple[str, str], ...]:
    """Text drawn outside a paragraph (banner, header, footer, a picture's labels), split into
    runs of the body font and of the fallback font for the characters the body font lacks."""
    body = font_characters(BODY)
    fonts = (FALLBACK_BOLD, BODY_BOLD) if bold else (FALLBACK, BODY)
    return tuple((fonts[0] if lacks else fonts[1], "".join(run))
                 for lacks, run in itertools.groupby(text,
                                                     key=lambda c: _needs_fallback(c, body)))


def _needs_fallback(char: str, body: frozenset[int]) -> bool:
    return ord(char) not in body and char not in "\n\t " and ord(char) not in _INVISIBLE_OK


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unprintable(text: str) -> list[tuple[str, str]]:
    """Characters that no bundled font can draw or whose script we cannot lay out: (char, why)."""
    body, fallback = font_characters(BODY), font_characters(FALLBACK)
    if _body_text(body).issuperset(text):  # the usual case: every character is in the body face
        return []
    found = []
    for char in dict.fromkeys(text):
        code = ord(char)
        if char in "\n\t" or code in _INVISIBLE_OK:
            continue
        script = next((name for low, high, name in _UNSUPPORTED_SCRIPTS if low <= code <= high),
                      None)
        if script:
            found.append((char, f"{script} is not supported yet"))
        elif unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            found.append((char, "it is a control or unassigned character"))
        elif code not in body and code not in fallback:
            found.append((char, "no bundled font can draw it"))
    return found


@cache
def _body_text(body: frozenset[int]) -> frozenset[str]:
    """The printable characters of the body face (it has no right-to-left or shaping script)."""
    return frozenset(chr(code) for code in body
                     if unicodedata.category(chr(code)) not in ("Cc", "Cs", "Co", "Cn"))


def describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"'{char}' (U+{ord(char):04X}{' ' + name if name else ''})"
