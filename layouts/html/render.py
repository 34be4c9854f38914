"""Handout documents -> accessible HTML pages: a handout's page, a set's index, the site's index.

A handout's page walks the same document as its PDF, block by block, so the two say the same
words; what exists only on paper (the blanks to write on, the QR code) is left out, and the page
links to the PDF instead. Staff text is escaped before it becomes HTML; the only markup it can
carry is our own `**bold**`, which becomes `<strong>`. Pages use no script and load nothing from
outside the site: their links are relative, and the stylesheet, fonts and pictures are files of
the site (see site.py).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from .. import document as doc
from ..content import model
from ..content.model import BOLD, SPACE, plain

# The pancreas drawing on a screen: drawn at this width with labels at this size, so they stay
# readable (15 px) on a small phone that shrinks it to its width; style.css caps its width.
DRAWING_WIDTH = 300
DRAWING_LABEL_SIZE = 16
# A picture from a file keeps its own layout: drawn at the width a wide screen shows it at.
PICTURE_WIDTH = 416


@dataclass(frozen=True)
class Link:
    text: str            # staff text
    href: str            # relative to the page
    lang: str | None = None   # the language of the page it leads to, when not this page's


@dataclass(frozen=True)
class Logo:
    href: str
    width: int
    height: int


@dataclass(frozen=True)
class Frame:
    """What every page shows around its own content: the clinic's banner and menu, the footer."""

    lang: str
    words: model.WebPhrases
    clinic_name: str
    stylesheet: str                  # href of style.css
    logo: Logo | None
    menu: tuple[Link, ...] = ()      # the way back: the site's index, the set's index
    languages: tuple[Link, ...] = ()  # this page in other languages
    phones: tuple[doc.Phone, ...] = ()
    footer: tuple[str, ...] = ()     # lines under the phones, such as the review dates


@dataclass(frozen=True)
class Pictures:
    """The picture files handouts show: each checked file by the path content gives it, and
    where the site keeps the PNG and JPEG ones (an SVG is drawn into the page itself)."""

    assets: dict        # file written in content -> content.assets.Asset
    folder: str         # href of the folder the site copies them to, from the page


@dataclass(frozen=True)
class Listing:
    """A handout as a set's index lists it."""

    title: str
    summary: str
    page: str                 # href of its web page
    prints: tuple[Link, ...]  # its PDFs


# ---- text ---------------------------------------------------------------------------------------

def text(value: str) -> str:
    """Staff text as HTML: escaped, `**bold**` made `<strong>`, spaces folded."""
    value = SPACE.sub(" ", unicodedata.normalize("NFC", value)).strip()
    parts = BOLD.split(value)  # odd indexes are the bold runs
    return "".join(f"<strong>{_escape(part)}</strong>" if index % 2 else _escape(part)
                   for index, part in enumerate(parts))


def _escape(value: str) -> str:
    return html.escape(value, quote=False)


def attr(value: str) -> str:
    """A value for an attribute in double quotes."""
    return html.escape(plain(value), quote=True)


def _dialled(shown: str, number: str) -> str:
    """Escaped text with the first place it prints `number` made a link that dials it (the
    emergency number in "Call 911 if ..."), so a phone calls it with one tap."""
    address = tel(number) if number else None
    if not address:
        return shown
    printed = text(number)
    # The number itself, not the same digits inside a longer one.
    return re.sub(rf"(?<![0-9]){re.escape(printed)}(?![0-9])",
                  lambda match: f'<a href="{address}">{printed}</a>', shown, count=1)


def tel(number: str) -> str | None:
    """A `tel:` address for a phone number as printed, or None when it has too few digits."""
    dialled = re.sub(r"[^0-9+]", "", number)
    return f"tel:{dialled}" if sum(c.isdigit() for c in dialled) >= 3 else None


def link(item: Link, css: str = "") -> str:
    extra = f' hreflang="{attr(item.lang)}" lang="{attr(item.lang)}"' if item.lang else ""
    css = f' class="{css}"' if css else ""
    return f'<a href="{attr(item.href)}"{extra}{css}>{text(item.text)}</a>'


def phone_link(phone: doc.Phone, css: str = "") -> str:
    """A phone number a patient can call with one tap, said with its label."""
    href = tel(phone.number)
    label = f"{text(phone.label)}: "
    number = f'<span class="number">{_escape(phone.number)}</span>'
    if href is None:
        return f"{label}{number}"
    css = f' class="{css}"' if css else ""
    return f'<a href="{attr(href)}"{css}>{label}{number}</a>'


# ---- pages --------------------------------------------------------------------------------------

def page(frame: Frame, title: str, body: list[str], head: list[str] | tuple = (),
         description: str = "") -> str:
    """A whole page: head, banner and menu, the main content, the footer."""
    w = frame.words
    meta = f'<meta name="description" content="{attr(description)}">' if description else ""
    lines = [
        "<!DOCTYPE html>",
        f'<html lang="{attr(frame.lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_escape(plain(title))} | {_escape(plain(frame.clinic_name))}</title>",
        meta,
        f'<link rel="stylesheet" href="{attr(frame.stylesheet)}">',
        *head,
        "</head>",
        "<body>",
        f'<a class="skip-link" href="#main">{text(w.skip_link)}</a>',
        '<header class="banner">',
        '<div class="clinic">',
        *_logo(frame.logo),
        f'<p class="clinic-name">{text(frame.clinic_name)}</p>',
        "</div>",
        *_menu(frame),
        "</header>",
        '<main id="main" tabindex="-1">',
        *body,
        "</main>",
        *_footer(frame),
        "</body>",
        "</html>",
    ]
    return "\n".join(line for line in lines if line) + "\n"


def _logo(logo: Logo | None) -> list[str]:
    if logo is None:
        return []
    # The clinic's name is written beside the logo, so the logo adds nothing to read aloud.
    return [f'<img class="logo" src="{attr(logo.href)}" alt="" width="{logo.width}" '
            f'height="{logo.height}">']


def _menu(frame: Frame) -> list[str]:
    if not frame.menu and not frame.languages:
        return []
    out = [f'<nav class="menu" aria-label="{attr(frame.words.menu_label)}">']
    if frame.menu:
        out.append('<ul class="way-back">')
        out += [f"<li>{link(item)}</li>" for item in frame.menu]
        out.append("</ul>")
    if frame.languages:
        out.append(f'<p class="languages">{text(frame.words.languages_label)} '
                   + " ".join(link(item) for item in frame.languages) + "</p>")
    out.append("</nav>")
    return out


def _footer(frame: Frame) -> list[str]:
    out = ['<footer class="page-footer">', f'<p class="clinic-name">{text(frame.clinic_name)}</p>']
    if frame.phones:
        out.append('<ul class="phones">')
        out += [f"<li>{phone_link(phone)}</li>" for phone in frame.phones]
        out.append("</ul>")
    out += [f"<p>{text(line)}</p>" for line in frame.footer]
    out.append("</footer>")
    return out


def alternates(frame: Frame) -> list[str]:
    """The page in other languages, for browsers and search engines."""
    return [f'<link rel="alternate" hreflang="{attr(item.lang)}" href="{attr(item.href)}">'
            for item in frame.languages if item.lang]


def handout_page(document: doc.Document, frame: Frame, prints: tuple[Link, ...],
                 fillable: str | None, pictures: Pictures) -> str:
    """The web page of one handout: `prints` are its PDFs (and the set's packet), `fillable`
    the PDF to type answers into."""
    story = _HandoutPage(document, frame.words, fillable, pictures)
    body = story.body(prints)
    return page(frame, document.title, body, alternates(frame), document.summary)


def set_page(frame: Frame, title: str, listings: tuple[Listing, ...],
             packet: tuple[Link, ...]) -> str:
    """A set's index in one language: its handouts in order, each with its PDFs."""
    body = [f"<h1>{text(title)}</h1>", '<ol class="listing">']
    for item in listings:
        body += ["<li>",
                 f'<h2><a href="{attr(item.page)}">{text(item.title)}</a></h2>',
                 f"<p>{text(item.summary)}</p>",
                 *_prints(item.prints),
                 "</li>"]
    body.append("</ol>")
    body += _prints(packet)
    return page(frame, title, body, alternates(frame))


def site_page(frame: Frame, title: str, groups: tuple[tuple[str, str, tuple[Link, ...]], ...]
              ) -> str:
    """The site's index: every set, grouped by language, each group in its own language."""
    body = [f"<h1>{text(title)}</h1>"]
    for lang, heading, links in groups:
        other = f' lang="{attr(lang)}"' if lang != frame.lang else ""
        body += [f'<section class="language"{other}>', f"<h2>{text(heading)}</h2>",
                 '<ul class="sets">', *(f"<li>{link(item)}</li>" for item in links),
                 "</ul>", "</section>"]
    return page(frame, title, body)


def _prints(prints: tuple[Link, ...]) -> list[str]:
    if not prints:
        return []
    return ['<ul class="prints web-only">',
            *(f'<li>{link(item, "pdf")}</li>' for item in prints), "</ul>"]


# ---- a handout's blocks -------------------------------------------------------------------------

class _HandoutPage:
    """Walks one document's blocks into HTML, in the order the PDF prints them."""

    def __init__(self, document: doc.Document, words: model.WebPhrases, fillable: str | None,
                 pictures: Pictures):
        self.d, self.w, self.fillable, self.pictures = document, words, fillable, pictures

    def body(self, prints: tuple[Link, ...]) -> list[str]:
        d = self.d
        out = []
        for block in d.read:
            out += self.block(block)
            if isinstance(block, doc.Heading) and block.level == 1 and d.page_text.notice:
                # On paper the notice is in every page's footer; here it follows the title.
                out.append(f'<p class="notice">{text(d.page_text.notice)}</p>')
        for block in d.write:
            out += self.block(block)
        if d.words:
            out += self.words_to_know(d.words)
        if prints:
            out += ['<section class="print web-only">', f"<h2>{text(self.w.print_heading)}</h2>",
                    *_prints(prints), "</section>"]
        for block in (*d.closing, *d.notices):
            out += self.block(block)
        return out

    def to_pdf(self, words: str) -> list[str]:
        """A link to the PDF, where the blanks and the boxes to tick are."""
        if not self.fillable:
            return []
        return [f'<p class="web-only"><a class="pdf" href="{attr(self.fillable)}">'
                f"{text(words)}</a></p>"]

    def block(self, block) -> list[str]:
        if isinstance(block, doc.Heading):
            return [f"<h{block.level}>{text(block.text)}</h{block.level}>"]
        if isinstance(block, doc.Para):
            if block.role == "strong":
                return [f"<p><strong>{_dialled(text(plain(block.text)), block.call)}"
                        "</strong></p>"]
            css = {"body": "", "lead": ' class="lead"', "label": ' class="label"'}[block.role]
            return [f"<p{css}>{text(block.text)}</p>"]
        if isinstance(block, doc.Bullets):
            return _list(block.items)
        if isinstance(block, doc.Section):
            return self.section(block)
        if isinstance(block, doc.Box):
            inner = [line for b in block.blocks for line in self.block(b)]
            tag = "section" if block.kind == "warning" else "div"
            return [f'<{tag} class="box {block.kind}">', *inner, f"</{tag}>"]
        if isinstance(block, doc.Phones):
            return ['<ul class="phones">',
                    *(f"<li>{phone_link(phone, 'call')}</li>" for phone in block.phones),
                    "</ul>"]
        if isinstance(block, doc.Figure):
            return self.figure(block)
        if isinstance(block, doc.Questions):
            return ['<section class="questions">', f"<h2>{text(block.heading)}</h2>",
                    "<ol>", *(f"<li>{text(q.text)}</li>" for q in block.questions), "</ol>",
                    *self.to_pdf(self.w.write_in_pdf), "</section>"]
        # What follows is only written on: the page names what to write, the PDF has the room.
        if isinstance(block, doc.LabelledBlanks):
            return _list(label for label, _ in block.items)
        if isinstance(block, doc.TickBoxes):
            return _list(label for label, _, _ in block.items)
        if isinstance(block, doc.Choice):
            return [f"<h3>{text(block.label)}</h3>", '<dl class="choice">',
                    *(f"<dt>{text(label)}</dt><dd>{text(meaning)}</dd>"
                      for _, label, meaning in block.options), "</dl>"]
        if isinstance(block, doc.Log):
            return _list(heading for _, heading in block.columns)
        if isinstance(block, doc.NameAndDate | doc.Notes | doc.Online):
            return []  # a blank to write on, or the address of this very page
        if isinstance(block, doc.Words):
            return self.words_to_know(block)
        raise TypeError(block)  # pragma: no cover - the document admits no other block

    def section(self, section: doc.Section) -> list[str]:
        # A section's heading is a part of the page (h2), wherever the PDF sets it.
        out = ["<section>", f"<h2>{text(section.heading.text)}</h2>"]
        for block in section.blocks:
            out += self.block(block)
        if any(isinstance(b, _BLANKS) for b in section.blocks):
            out += self.to_pdf(self.w.fill_in_pdf)
        out.append("</section>")
        return out

    def figure(self, block: doc.Figure) -> list[str]:
        picture = block.picture
        labels = tuple(sorted((str(part), plain(label)) for part, label in picture.labels.items()))
        if picture.drawing:
            art = _pancreas_svg(labels, plain(picture.alt))
        else:
            asset = self.pictures.assets[str(picture.file)]
            if asset.kind == "svg":
                art = _file_svg(asset, labels, plain(picture.alt))
            else:
                art = (f'<img src="{attr(self.pictures.folder + str(picture.file))}" '
                       f'alt="{attr(picture.alt)}" width="{asset.width}" '
                       f'height="{asset.height}">')
        return ['<figure class="picture">', art, "<figcaption>",
                f"<p><strong>{text(plain(picture.caption))}</strong></p>",
                f"<p>{text(picture.how_to_use)}</p>", "</figcaption>", "</figure>"]

    def words_to_know(self, words: doc.Words) -> list[str]:
        if not words.terms:
            return []
        out = ['<section class="words">', f"<h2>{text(words.heading)}</h2>", "<dl>"]
        for term in words.terms:
            lang = (f' lang="{attr(term.say_lang)}"'
                    if term.say_lang and term.say_lang != self.d.lang else "")
            say = f"<span{lang}>{text(term.say)}</span>" if lang else text(term.say)
            out += [f"<dt>{text(term.term)}</dt>",
                    f'<dd class="say">{text(words.say_label)}: {say}</dd>',
                    f"<dd>{text(term.means)}</dd>"]
        out += ["</dl>", "</section>"]
        return out


_BLANKS = (doc.LabelledBlanks, doc.TickBoxes, doc.Choice, doc.Log, doc.Notes)


def _list(items) -> list[str]:
    return ["<ul>", *(f"<li>{text(item)}</li>" for item in items), "</ul>"]


@cache
def _file_svg(asset, labels: tuple, name: str) -> str:
    """An SVG picture as the PDF draws it (checked, labels applied, text in our fonts); kept
    between runs, by the file's bytes: reading and drawing it is most of a page's time."""
    from ..state import file_digest

    return _svg_of(asset, file_digest(asset.path), labels, name)


@cache
def _svg_of(asset, digest: str, labels: tuple, name: str) -> str:
    from .. import cache as kept

    def draw() -> str:
        from ..pdf.svg import svg_drawing
        from .drawing import inline_svg

        return inline_svg(svg_drawing(asset, dict(labels), PICTURE_WIDTH), name)

    return kept.remembered("web-svg", [digest, labels, name, PICTURE_WIDTH], draw, str)


@cache
def _pancreas_svg(labels: tuple, name: str) -> str:
    # ReportLab is only imported for a page that shows the drawing.
    from ..pdf.picture import pancreas_drawing
    from ..pdf.styles import BODY, register_fonts
    from .drawing import inline_svg

    register_fonts()
    drawing = pancreas_drawing(DRAWING_WIDTH, dict(labels), BODY, DRAWING_LABEL_SIZE)
    return inline_svg(drawing, name)
