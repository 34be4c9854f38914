"""A packet is assembled from its handouts' own layouts: each handout is laid out once a run.

The packet draws again the pages its handouts laid out for their own PDFs (pdf/replay.py) and
lays out only what differs: its cover, each handout's end (the closing, without the language
help the cover says once) and the combined words to know. These tests hold that to what a
fresh layout of the packet gives, byte for byte, and read the built PDFs as a reader would.
"""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from conftest import ASSETS, SET, TOPICS, built_pdf, languages, load_content, read_content

CASES = [(lang, edition) for lang in languages() for edition in ("standard", "large-print")]


def _packet_job(lang: str, edition: str, paper: str = "letter"):
    from layouts.build import check_pictures, packet_job
    from layouts.content.errors import Problems

    content = load_content(langs=(lang,))
    return packet_job(content, SET, lang, edition, paper, str(ASSETS / content.clinic.logo),
                      check_pictures(content, ASSETS, Problems()))


@pytest.mark.parametrize(("lang", "edition"), CASES)
def test_a_packet_draws_its_handouts_pages_again_as_a_fresh_layout_would(monkeypatch, lang,
                                                                         edition):
    from layouts.pdf import render

    replays = []
    real = render.replayed
    monkeypatch.setattr(render, "replayed", lambda *args: replays.append(1) or real(*args))
    job = _packet_job(lang, edition)
    drawn_again = render.render_all(job)
    # Every handout's pages were drawn again, none laid out a second time.
    assert len(replays) == len(TOPICS)
    # A run that does not print the handouts alone (a fill, a rebuild after one of them
    # changed) lets the packet lay them out itself: the bytes are the same.
    laid_out_here = render.render_all(job, (False,) * len(job.parts))
    assert laid_out_here[1:] == [None] * len(TOPICS)
    assert drawn_again[0].pdf == laid_out_here[0].pdf
    assert drawn_again[0].field_spots == laid_out_here[0].field_spots
    # And the handouts rendered on the way are the handouts a run prints alone.
    for part, rendered in zip(job.parts, drawn_again[1:]):
        assert rendered.pdf == render.render(part).pdf


def _page_texts(reader: PdfReader, first: int, count: int) -> list[str]:
    """Pages' text with the page numbers of the footer taken out (furniture that differs)."""
    return [re.sub(r"\d+", "#", " ".join(reader.pages[first + i].extract_text().split()))
            for i in range(count)]


@pytest.mark.parametrize(("lang", "edition"), CASES)
def test_a_packets_pages_are_its_handouts_pages_up_to_their_end(built, lang, edition):
    """The same pages but for the page numbers, up to the handout's end: there the packet
    takes the last things to write on to its closing, without the words to know."""
    packet = PdfReader(built_pdf(built, lang, "letter", edition, "packet"))
    starts = [packet.get_destination_page_number(item) for item in packet.outline]
    heading = read_content(f"{lang}/phrases.yaml")["words_heading"]
    for topic, start in zip(TOPICS, starts[1:]):   # the cover's bookmark comes first
        alone = PdfReader(built_pdf(built, lang, "letter", edition, topic))
        own = _page_texts(alone, 0, len(alone.pages))
        # A handout alone ends with its own words to know; the packet lists them at its end.
        words = next(i for i, text in enumerate(own) if heading in text)
        shared = words - 1   # the closing takes up to a page's end along with it
        assert shared >= 3, f"{topic}: words to know on page {words + 1}"
        assert _page_texts(packet, start, shared) == own[:shared], topic
