"""A handout's document and its glossary -> reading-level figures and plain-language warnings.

Measured per section and per handout with Flesch-Kincaid and SMOG, twice: as written, and with
the glossary's terms masked (each counted as one two-syllable word), so that naming the disease
is not punished but the words around it must be plain. The gate is the masked Flesch-Kincaid
grade: 6 or below per section. Also flagged: sentences over 20 words and difficult words (three
syllables or more, not on the Dale-Chall familiar list) that neither the glossary nor the
language's allow-list (`handouts/<lang>/allowed-words.txt`) covers.

Spanish is measured with Fernández Huerta's reading ease, never an English formula; other
languages are reported as not measured.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .content.errors import Problems
from .content.model import Glossary, plain
from .content.model import texts as model_texts
from .content.source import decode_text
from .content.terms import familiar_words, is_familiar
from .document import Document, sections, texts

GRADE_GOAL = 6.0
SPANISH_EASE_GOAL = 80.0   # Fernández Huerta 80-90: "fácil", about sixth grade
LONG_SENTENCE = 20

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_MASK = "masked"  # stands in for a glossary term: counted as a two-syllable word


@dataclass(frozen=True)
class Figures:
    """Reading-level figures of a piece of text."""

    words: int
    sentences: int
    grade: float | None = None          # Flesch-Kincaid grade (English)
    grade_masked: float | None = None
    smog: float | None = None
    smog_masked: float | None = None
    ease: float | None = None           # Fernández Huerta reading ease (Spanish)
    ease_masked: float | None = None

    def as_dict(self) -> dict:
        return {k: (round(v, 1) if isinstance(v, float) else v)
                for k, v in self.__dict__.items() if v is not None}


@cache
def syllables(word: str, lang: str) -> int:
    """Count syllables by vowel groups, with the common silent-e and Spanish-diphthong rules."""
    word = word.lower()
    if word == _MASK:
        return 2
    if lang == "es":
        # A strong vowel (a, e, o or an accented one) next to another splits; i/u glide.
        groups = re.findall(r"[iuü]*[aeoáéíóú][iuü]*|[iuü]+", word)
        return max(1, len(groups))
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups)
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    if word.endswith(("ed", "es")) and count > 1 and not re.search(r"[td]ed$|[sxz]es$|[cs]hes$",
                                                                    word):
        count -= 1
    return max(1, count)


def _sentences(text: str) -> list[str]:
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p.strip()]
    return [p for p in parts if _WORD.search(p)]


def measure(pieces: list[str], lang: str, masker) -> Figures:
    """Figures for text pieces (each a paragraph or list item), as written and masked."""
    sentences = [s for piece in pieces for s in _sentences(plain(piece))]
    words = [w for s in sentences for w in _WORD.findall(s)]
    if not words:
        return Figures(0, 0)
    masked_words = [w for s in sentences for w in _WORD.findall(masker(s))]
    n_sentences = len(sentences)

    def english(ws):
        syl = [syllables(w, lang) for w in ws]
        grade = 0.39 * len(ws) / n_sentences + 11.8 * sum(syl) / len(ws) - 15.59
        poly = sum(1 for s in syl if s >= 3)
        smog = 1.0430 * math.sqrt(poly * 30 / n_sentences) + 3.1291
        return grade, smog

    def spanish(ws):
        syl = sum(syllables(w, lang) for w in ws)
        return 206.84 - 0.60 * 100 * syl / len(ws) - 1.02 * 100 * n_sentences / len(ws)

    if lang == "en":
        (grade, smog), (grade_m, smog_m) = english(words), english(masked_words)
        return Figures(len(words), n_sentences, grade, grade_m, smog, smog_m)
    if lang == "es":
        return Figures(len(words), n_sentences, ease=spanish(words),
                       ease_masked=spanish(masked_words))
    return Figures(len(words), n_sentences)


def _masker(glossary: Glossary):
    from .content.terms import _matcher

    pattern, _ = _matcher(glossary)
    return lambda text: pattern.sub(_MASK, text)


def allowed_words(folder: Path, problems: Problems) -> frozenset[str]:
    """Words a clinic has decided to keep (one per line, '#' starts a comment)."""
    path = folder / "allowed-words.txt"
    if not path.exists():
        return frozenset()
    try:
        data = path.read_bytes()
    except OSError as e:
        problems.error(path, 0, 0, f"cannot read this file ({e.strerror or e})")
        return frozenset()
    text = decode_text(data, str(path), problems) or ""
    words = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(w for w in words if w)


def check_document(document: Document, glossary: Glossary, allowed: frozenset[str],
                   problems: Problems) -> dict:
    """Report reading-level warnings for a handout's document (the words the PDF and the web
    page print); return its figures for the manifest."""
    lang = document.lang
    masker = _masker(glossary)
    for section in sections(document):
        heading, at = section.heading.text, section.at or section.heading.text
        figures = measure(texts(section.blocks), lang, masker)
        if figures.grade_masked is not None and figures.grade_masked > GRADE_GOAL:
            problems.at(at, f"the section '{plain(heading)}' reads at grade "
                        f"{figures.grade_masked:.1f} (medical words counted as easy); aim for "
                        f"{GRADE_GOAL:g} or below with shorter sentences and shorter words",
                        "warning")
        if figures.ease_masked is not None and figures.ease_masked < SPANISH_EASE_GOAL:
            problems.at(at, f"the section '{plain(heading)}' has a reading "
                        f"ease of {figures.ease_masked:.1f} (Fernández Huerta); aim for "
                        f"{SPANISH_EASE_GOAL:g} or more with shorter sentences and words",
                        "warning")
    familiar = familiar_words(lang)
    sources = set(map(id, document.handout.sources))
    for text in model_texts(document.handout):
        if id(text) in sources or not hasattr(text, "mark"):
            continue
        for sentence in _sentences(plain(text)):
            count = len(_WORD.findall(sentence))
            if count > LONG_SENTENCE:
                problems.at(text, f"a sentence has {count} words (\"{sentence[:40]}...\"); keep "
                            f"sentences to {LONG_SENTENCE} words or fewer", "warning")
        if familiar:
            masked = masker(plain(text))
            hard = sorted({w for w in _WORD.findall(masked) if w != _MASK
                           and syllables(w, lang) >= 3 and not w.isupper()
                           and not is_familiar(w, familiar) and w.lower() not in allowed})
            if hard:
                problems.at(text, "difficult word(s) not in the glossary: " + ", ".join(hard) +
                            "; use a plainer word, add it to glossary.yaml, or list it in "
                            "allowed-words.txt", "warning")
    overall = measure(texts((*document.read, *document.write)), lang, masker)
    return overall.as_dict() if overall.words else {"measured": False}
