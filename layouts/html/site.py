"""Content and its rendered PDFs -> every file of the static web site under `site/`.

The site (DESIGN.md part 2, web output):

    site/index.html                       the sets, listed per language
    site/<set>/<lang>/index.html          a set's handouts in one language
    site/<set>/<lang>/<topic>.html        a handout's page
    site/<set>/<lang>/<edition>/<topic>.pdf and .../packet.pdf   the PDFs the pages offer
    site/web_files/                       the stylesheet, its fonts and licence, the pictures

`site/` alone is the whole site: every link is relative and stays inside it, so it can be
copied to any web server (or opened from the disk) as it is. The PDFs are those of the clinic's
paper, in both editions, whatever paper and editions the run was narrowed to.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from .. import document as doc
from ..content import model
from ..content.assets import Asset
from . import render
from .render import Frame, Link, Listing

SITE = "site"
# The site's own files. A set's name has no "_", so no set can take this folder.
FILES = "web_files"
HERE = Path(__file__).resolve().parent
FONTS_DIR = HERE.parents[1] / "assets" / "fonts"
FONTS = ("AtkinsonHyperlegible-Regular.woff2", "AtkinsonHyperlegible-Bold.woff2",
         "AtkinsonHyperlegible-OFL.txt")
ASSET = dict(set=None, topic=None, lang=None, paper=None, edition=None, format="asset",
             pages=None)


class Site:
    """The web output of a run: the PDFs it offers, then its pages and their files.

    `planned` are the PDFs the run prints and `offered` those the site offers (build.Planned:
    .path, .meta, .job). Each offered PDF becomes an output of its own under site/ (`pdfs`),
    sharing the printed PDF's render job when the run prints it, so it is rendered once.
    """

    def __init__(self, content: model.Content, selection, logo: Asset | None, pictures: dict,
                 planned: list, offered: list):
        self.content, self.selection, self.logo = content, selection, logo
        self.pictures = pictures  # file written in content -> Asset
        printed = {p.path: p for p in planned}
        self.pdfs, self.offered, self.documents = [], set(), {}
        for p in offered:
            m = p.meta
            path = f"{m['set']}/{m['lang']}/{m['edition']}/{m['topic']}.pdf"
            job = printed[p.path].job if p.path in printed else p.job
            self.pdfs.append(dataclasses.replace(p, path=f"{SITE}/{path}", job=job))
            self.offered.add(path)
            if m["topic"] != "packet":
                document = job.documents[0]
                self.documents[document.set_name, document.lang, document.topic] = document

    def add_pages(self, made: list, kept: dict, out: Path, recorded: dict) -> tuple[list, dict]:
        """The run's new files and kept records with the site's pages and files added: a file
        whose bytes and record are as an earlier run left them is kept, not written again."""
        from ..state import is_up_to_date

        made, kept = list(made), dict(kept)
        for path, meta, data in self.files():
            # A page is made from nothing but what its bytes say, so they are its key.
            key = "bytes:" + hashlib.sha256(data).hexdigest()
            if is_up_to_date(out, path, key, recorded, False):
                kept[path] = recorded[path]
            else:
                made.append((path, meta, data, key))
        return made, kept

    # ---- what goes where ----

    def languages(self) -> list[str]:
        """The languages built, the clinic's first language first."""
        ordered = [lang for lang in self.content.clinic.languages if lang in self.content.languages]
        return ordered + [lang for lang in self.content.languages if lang not in ordered]

    def files(self) -> list[tuple[str, dict, bytes]]:
        """The site's pages and files but the PDFs: (path below the output folder, manifest
        entry, bytes)."""
        out = []
        for (set_name, lang, topic), document in self.documents.items():
            out.append((f"{SITE}/{set_name}/{lang}/{topic}.html",
                        _page_meta(set_name, topic, lang),
                        self.handout_page(document).encode("utf-8")))
        if not self.selection.topics:  # a narrowed run leaves the indexes as they are
            for set_name, handout_set in self.content.sets.items():
                for lang in handout_set.languages:
                    out.append((f"{SITE}/{set_name}/{lang}/index.html",
                                _page_meta(set_name, "index", lang),
                                self.set_page(set_name, lang).encode("utf-8")))
        if not self.selection.sets and not self.selection.langs:
            out.append((f"{SITE}/index.html", _page_meta(None, "index", None),
                        self.site_page().encode("utf-8")))
        out += self.assets()
        return out

    def assets(self) -> list[tuple[str, dict, bytes]]:
        out = [(f"{SITE}/{FILES}/style.css", ASSET, stylesheet())]
        out += [(f"{SITE}/{FILES}/fonts/{name}", ASSET, (FONTS_DIR / name).read_bytes())
                for name in FONTS]
        # The logo, and the PNG and JPEG pictures shown (an SVG is drawn into its page).
        images = {str(self.content.clinic.logo): self.logo} if self.logo else {}
        images.update((written, self.pictures[written]) for written in self.raster_pictures())
        out += [(f"{SITE}/{FILES}/{written}", ASSET, asset.path.read_bytes())
                for written, asset in sorted(images.items())]
        return out

    def raster_pictures(self) -> list[str]:
        return sorted({str(block.picture.file) for document in self.documents.values()
                       for block in _figures((*document.read, *document.write))
                       if block.picture.file
                       and self.pictures[str(block.picture.file)].kind != "svg"})

    # ---- pages ----

    def frame(self, lang: str, depth: int, menu=(), languages=(), footer=()) -> Frame:
        """The banner, menu and footer of a page `depth` folders below site/."""
        root = "../" * depth
        clinic, phrases = self.content.clinic, self.content.languages[lang].phrases
        logo = (render.Logo(f"{root}{FILES}/{clinic.logo}", self.logo.width, self.logo.height)
                if self.logo else None)
        phones = (doc.Phone(phrases.phone_label, clinic.phone),
                  doc.Phone(phrases.after_hours_label, clinic.after_hours_phone))
        return Frame(lang, phrases.web, clinic.name_in(lang), f"{root}{FILES}/style.css", logo,
                     tuple(menu), tuple(languages), phones, tuple(footer))

    def home(self, lang: str) -> Link:
        return Link(self.content.languages[lang].phrases.web.home_link, "../../index.html")

    def prints(self, set_name: str, lang: str, topic: str) -> tuple[Link, ...]:
        """Links to the PDFs of a topic ("packet" for the set's), as far as the site has them."""
        web = self.content.languages[lang].phrases.web
        labels = ((web.standard_pdf, web.large_print_pdf) if topic != "packet" else
                  (web.packet_standard_pdf, web.packet_large_print_pdf))
        out = []
        for edition, label in zip(model.EDITIONS, labels):
            path = f"{set_name}/{lang}/{edition}/{topic}.pdf"
            if path in self.offered:
                out.append(Link(label, f"{edition}/{topic}.pdf"))
        return tuple(out)

    def handout_page(self, document: doc.Document) -> str:
        set_name, lang, topic = document.set_name, document.lang, document.topic
        handout_set = self.content.sets[set_name]
        others = tuple(
            Link(self.content.languages[other].phrases.web.language_name,
                 f"../{other}/{topic}.html", other)
            for other in self.languages()
            if other != lang and other in handout_set.languages
            and topic in handout_set.languages[other].handouts)
        frame = self.frame(lang, 2, (self.home(lang), Link(
            handout_set.languages[lang].info.title, "index.html")), others,
            (document.page_text.review,))
        prints = self.prints(set_name, lang, topic) + self.prints(set_name, lang, "packet")
        fillable = prints[0].href if prints else None
        return render.handout_page(document, frame, prints, fillable,
                                   render.Pictures(self.pictures, f"../../{FILES}/"))

    def set_page(self, set_name: str, lang: str) -> str:
        handout_set = self.content.sets[set_name]
        edition = handout_set.languages[lang]
        listings = tuple(
            Listing(handout.title, handout.main_message, f"{topic}.html",
                    self.prints(set_name, lang, topic))
            for topic, handout in edition.handouts.items())
        others = tuple(Link(self.content.languages[other].phrases.web.language_name,
                            f"../{other}/index.html", other)
                       for other in self.languages()
                       if other != lang and other in handout_set.languages)
        frame = self.frame(lang, 2, (self.home(lang),), others)
        return render.set_page(frame, edition.info.title, listings,
                               self.prints(set_name, lang, "packet"))

    def site_page(self) -> str:
        langs = self.languages()
        groups = []
        for lang in langs:
            links = tuple(Link(handout_set.languages[lang].info.title,
                               f"{set_name}/{lang}/index.html")
                          for set_name, handout_set in self.content.sets.items()
                          if lang in handout_set.languages)
            if links:
                groups.append((lang, self.content.languages[lang].phrases.web.sets_heading,
                               links))
        first = langs[0]
        return render.site_page(self.frame(first, 0),
                                self.content.languages[first].phrases.web.site_title,
                                tuple(groups))


def stylesheet() -> bytes:
    """style.css with the print's colours, which styles.py owns, in place of `@colours;`."""
    from ..pdf.styles import HEADING_INK, INK, RULE_INK, TINT, WARNING_RULE, WARNING_TINT

    colours = {"ink": INK, "heading-ink": HEADING_INK, "rule": RULE_INK, "tint": TINT,
               "warning-tint": WARNING_TINT, "warning-rule": WARNING_RULE}
    root = ":root {\n" + "".join(f"  --{name}: #{colour.hexval()[2:]};\n"
                                  for name, colour in colours.items()) + "}"
    css = (HERE / "style.css").read_text(encoding="utf-8")
    if css.count("@colours;") != 1:  # pragma: no cover - our own file
        raise ValueError("style.css must say @colours; once, where the colours go")
    return css.replace("@colours;", root).encode("utf-8")


def _page_meta(set_name: str | None, topic: str, lang: str | None) -> dict:
    return dict(set=set_name, topic=topic, lang=lang, paper=None, edition=None, format="html",
                pages=None)


def _figures(blocks):
    for block in blocks:
        if isinstance(block, doc.Figure):
            yield block
        elif isinstance(block, doc.Section | doc.Box):
            yield from _figures(block.blocks)
