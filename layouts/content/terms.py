"""A handout's text and a glossary -> the glossary terms the handout uses (its words to know)."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from .model import Glossary, Handout, Term, plain, texts

WORD_LISTS = Path(__file__).resolve().parents[2] / "assets" / "wordlists"


@cache
def familiar_words(lang: str) -> frozenset[str]:
    path = WORD_LISTS / f"dale-chall-{lang}.txt"
    if not path.exists():
        return frozenset()
    return frozenset(w.strip().lower() for w in path.read_text(encoding="utf-8").splitlines())


def is_familiar(word: str, familiar: frozenset[str]) -> bool:
    word = word.lower()
    if "-" in word:  # after-hours: each part is judged on its own
        return all(is_familiar(part, familiar) for part in word.split("-") if part)
    stems = {word, word.removesuffix("s"), word.removesuffix("es"), word.removesuffix("ed"),
             word.removesuffix("d"), word.removesuffix("ing"), word.removesuffix("ly"),
             word.removesuffix("ies") + "y", word.removesuffix("ily") + "y",
             word.removesuffix("ing") + "e",
             word.removesuffix("er"), word.removesuffix("est")}
    return bool(stems & familiar)


def _plurals(form: str) -> list[str]:
    """The regular plurals of a term's last word: tumor -> tumors, biopsy -> biopsies."""
    if form[-1:].isupper():  # acronyms: NET -> NETs
        return [form + "s"]
    if re.search(r"[^aeiou]y$", form):
        return [form[:-1] + "ies"]
    if re.search(r"(s|x|z|ch|sh)$", form):
        return [form + "es"]
    return [form + "s"]


@cache
def _matcher(glossary: Glossary) -> tuple[re.Pattern, dict[str, Term]]:
    by_form: dict[str, Term] = {}
    for term in glossary.terms:
        for form in (term.term, *term.also):
            for variant in (form, *_plurals(form)):
                by_form.setdefault(_key(variant), term)
    # Longest first, so "endoscopic ultrasound" wins over "ultrasound".
    forms = sorted(by_form, key=len, reverse=True)
    alternatives = "|".join(r"\s+".join(map(re.escape, form.split(" "))) for form in forms)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE), by_form


def _key(form: str) -> str:
    return " ".join(form.casefold().split())


def terms_used(handout: Handout, glossary: Glossary, also: tuple[str, ...] = ()) -> list[Term]:
    """The glossary terms a handout uses, in alphabetical order, leaving out everyday words
    (every word on the language's familiar-word list) unless a term is marked `always`.
    `also` is other text the handout prints, such as the clinic's warning signs."""
    familiar = familiar_words(handout.lang)
    pattern, by_form = _matcher(glossary)
    found: dict[int, Term] = {}
    skip = set(map(id, handout.sources))
    for text in (*texts(handout), *also):
        if id(text) in skip:
            continue
        for match in pattern.finditer(plain(text)):
            term = by_form[_key(match.group(0))]
            if term.always or not all(is_familiar(word, familiar)
                                      for word in term.term.split()):
                found[id(term)] = term
    return sorted(found.values(), key=lambda t: alphabetical(t.term))


def alphabetical(text: str) -> str:
    """Sort key that files accented letters with their plain letter (hígado after hormona)."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
