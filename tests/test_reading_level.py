"""Reading level, measured: `--check` flags hard text at its file and line, `--strict` fails on it.

Covers issue 4, part 4. The shipped content (every language) passes `--check --strict`. In a
private copy of the content, each kind of hard text is added on a known line and must come back
as a warning located there: a difficult word the glossary lacks (and not once it is listed in
allowed-words.txt), a long-winded section (at its heading, with its grade), a sentence over 20
words (with its word count) and a list of 8 items. Glossary terms are masked, so naming the
disease is not punished. Each handout's manifest entry carries its figures: Flesch-Kincaid and
SMOG for English, Fernández Huerta's reading ease (and never an English grade) for Spanish. Last,
the syllable counter is checked on words whose count is known.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import HANDOUTS, SET, TOPICS, languages, load_content, problems, run_cli, topic_file

GRADE_GOAL = 6.0  # the issue: "a handout reads at about 6th grade"
SPANISH_EASE_GOAL = 80.0  # Fernández Huerta 80-90 reads as "fácil", about sixth grade


# ---- helpers ---------------------------------------------------------------------------------



def at(found: list[dict], path: Path, line: int) -> list[dict]:
    return [p for p in found if p["path"] == path.resolve() and p["line"] == line]


def safe_today() -> str:
    """A date on which no shipped handout (nor the clinic's warning signs) is due for review,
    so only reading level can fail."""
    dates = [yaml.safe_load(path.read_text(encoding="utf-8"))["last_reviewed"]
             for path in (HANDOUTS / SET).glob("*/*.yaml") if path.stem in TOPICS]
    clinic = yaml.safe_load((HANDOUTS / "clinic.yaml").read_text(encoding="utf-8"))
    dates += [local["warning_signs"]["last_reviewed"] for local in clinic["languages"].values()]
    return min(datetime.date.fromisoformat(str(d)) for d in dates).isoformat()


def replace_in(path: Path, old: str, new: str) -> int:
    """Replace the one occurrence of old in path; return the (1-based) line it is on."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[:text.index(old)].count("\n") + 1


def add_section(path: Path, heading: str, blocks: list[str]) -> int:
    """Add a section (block lines at blocks: indentation) after the last one; return its line."""
    lines = path.read_text(encoding="utf-8").split("\n")
    where = lines.index("questions:")
    new = [f"  - heading: {heading}", "    blocks:", *[f"      {b}" for b in blocks], ""]
    lines[where:where] = new
    path.write_text("\n".join(lines), encoding="utf-8")
    return where + 1


def check(content: Path, tmp_path: Path, *extra):
    """`--check` of the English handouts in content (with an --out that holds nothing)."""
    return run_cli("--src", content, "--out", tmp_path / "unused", "--lang", "en",
                   "--today", safe_today(), "--check", *extra)


def english_masker():
    from layouts.readability import _masker

    return _masker(load_content(langs=("en",)).languages["en"].glossary)


# ---- the shipped content ---------------------------------------------------------------------

def test_the_shipped_content_passes_check_strict_in_every_language(tmp_path):
    assert {"en", "es"} <= set(languages())
    result = run_cli("--check", "--strict", "--today", safe_today(), "--out", tmp_path / "unused")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "0 warning(s), no errors" in result.stdout
    assert not (tmp_path / "unused").exists()


# ---- difficult words ---------------------------------------------------------------------------

PLAIN = ("A NET starts when some endocrine cells change. They grow out of control and crowd out "
         "the normal cells.")
HARD = "A NET starts when some endocrine cells change. Ask about its pharmacokinetics."


def test_an_undefined_difficult_word_is_a_warning_at_its_paragraph(content, tmp_path):
    diagnosis = content / topic_file("diagnosis")
    line = replace_in(diagnosis, PLAIN, HARD)
    result = check(content, tmp_path)
    assert result.returncode == 0, result.stderr
    found = problems(result.stderr)
    assert [p["severity"] for p in found] == ["warning"], result.stderr
    (warning,) = at(found, diagnosis, line)
    assert "pharmacokinetics" in warning["message"]
    assert "glossary" in warning["message"]
    # The column is where the paragraph's text starts on that line.
    source_line = diagnosis.read_text(encoding="utf-8").split("\n")[line - 1]
    assert int(warning["col"]) == source_line.index("A NET starts") + 1


def test_strict_makes_the_difficult_word_an_error_and_writes_nothing(content, tmp_path):
    diagnosis = content / topic_file("diagnosis")
    line = replace_in(diagnosis, PLAIN, HARD)
    out = tmp_path / "out"
    result = run_cli("--src", content, "--out", out, "--lang", "en", "--topic", "diagnosis",
                     "--edition", "standard", "--today", safe_today(), "--strict")
    assert result.returncode == 1, result.stderr
    (error,) = at(problems(result.stderr), diagnosis, line)
    assert error["severity"] == "error" and "pharmacokinetics" in error["message"]
    assert f"{diagnosis}:{line}:" in result.stderr and ": error: " in result.stderr
    assert "nothing was written" in result.stderr
    assert not out.exists() or not any(out.rglob("*.*"))


def test_a_word_in_allowed_words_is_no_longer_flagged(content, tmp_path):
    diagnosis = content / topic_file("diagnosis")
    replace_in(diagnosis, PLAIN, HARD.replace("its pharmacokinetics", "idiosyncratic "
                                              "pharmacokinetics"))
    allowed = content / "en" / "allowed-words.txt"
    shipped = allowed.read_text(encoding="utf-8") if allowed.exists() else ""
    allowed.write_text(shipped + "\n# words our clinic keeps on purpose\n"
                       "Pharmacokinetics   # explained in clinic\n", encoding="utf-8")
    result = check(content, tmp_path, "--strict")
    assert result.returncode == 1
    # Only the word that was not allowed is left.
    found = problems(result.stderr)
    assert len(found) == 1, result.stderr
    assert "idiosyncratic" in found[0]["message"]
    assert "pharmacokinetics" not in found[0]["message"].lower()

    allowed.write_text(shipped + "\nPharmacokinetics\nidiosyncratic\n", encoding="utf-8")
    result = check(content, tmp_path, "--strict")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


# ---- long-winded text --------------------------------------------------------------------------

LONG_WINDED = ("Comprehensive multidisciplinary evaluation necessitates consideration of numerous "
               "individualized therapeutic alternatives. Consequently, appropriate communication "
               "regarding prognostic information facilitates collaborative decision-making. "
               "Additionally, sophisticated investigational methodologies occasionally complicate "
               "interpretation.")


def test_a_long_winded_section_is_flagged_at_its_heading_with_its_grade(content, tmp_path):
    diagnosis = content / topic_file("diagnosis")
    heading = add_section(diagnosis, "What the experts say", [f"- paragraph: {LONG_WINDED}"])
    result = check(content, tmp_path)
    assert result.returncode == 0, result.stderr
    graded = [p for p in at(problems(result.stderr), diagnosis, heading)
              if "grade" in p["message"]]
    assert len(graded) == 1, result.stderr
    warning = graded[0]
    assert warning["severity"] == "warning"
    assert "What the experts say" in warning["message"]
    figure = float(re.search(r"grade (\d+(?:\.\d+)?)", warning["message"])[1])
    assert figure > GRADE_GOAL + 6  # far above the goal, not a borderline case
    from layouts.readability import measure

    expected = measure([LONG_WINDED], "en", english_masker()).grade_masked
    assert figure == pytest.approx(expected, abs=0.05)

    strict = check(content, tmp_path, "--strict")
    assert strict.returncode == 1
    (error,) = [p for p in at(problems(strict.stderr), diagnosis, heading)
                if "grade" in p["message"]]
    assert error["severity"] == "error" and f"{figure:.1f}" in error["message"]


ES_LONG_WINDED = ("La evaluación multidisciplinaria exhaustiva necesita la consideración de "
                  "numerosas alternativas terapéuticas individualizadas. Consecuentemente, la "
                  "comunicación apropiada respecto a la información pronóstica facilita "
                  "decisiones colaborativas.")


def test_a_long_winded_spanish_section_is_flagged_with_its_reading_ease(content, tmp_path):
    diagnosis = content / topic_file("diagnosis", "es")
    heading = add_section(diagnosis, "Lo que dicen los expertos",
                          [f"- paragraph: {ES_LONG_WINDED}"])
    result = run_cli("--src", content, "--out", tmp_path / "unused", "--lang", "es",
                     "--today", safe_today(), "--check", "--strict")
    assert result.returncode == 1
    (error,) = at(problems(result.stderr), diagnosis, heading)
    assert error["severity"] == "error"
    assert "Fernández Huerta" in error["message"] and "grade" not in error["message"]
    ease = float(re.search(r"ease of (-?\d+(?:\.\d+)?)", error["message"])[1])
    assert ease < SPANISH_EASE_GOAL - 20


def test_a_sentence_over_twenty_words_is_flagged_at_its_line_with_its_length(content, tmp_path):
    diagnosis = content / topic_file("diagnosis")
    long = ("You and your family can ask the nurse or the doctor about any of the tests at any "
            "time of the day or night.")
    words = len(long.split())
    assert words > 20
    line = replace_in(diagnosis, "Some NETs cause no symptoms.", long)
    result = check(content, tmp_path)
    found = [p for p in at(problems(result.stderr), diagnosis, line) if "sentence" in p["message"]]
    assert len(found) == 1, result.stderr
    assert f"{words} words" in found[0]["message"]
    assert "20" in found[0]["message"]


def test_a_sentence_of_exactly_twenty_words_is_not_flagged(content, tmp_path):
    diagnosis = content / topic_file("diagnosis")
    twenty = ("You and your family can ask the nurse or the doctor about any of the tests at any "
              "time today.")
    assert len(twenty.split()) == 20
    line = replace_in(diagnosis, "Some NETs cause no symptoms.", twenty)
    result = check(content, tmp_path)
    assert not [p for p in at(problems(result.stderr), diagnosis, line)
                if "sentence" in p["message"]], result.stderr


@pytest.mark.parametrize("items, flagged", [(8, True), (7, False)])
def test_a_list_of_eight_items_is_flagged_at_the_list(content, tmp_path, items, flagged):
    diagnosis = content / topic_file("diagnosis")
    foods = ["Eat small meals.", "Drink water.", "Rest when you can.", "Walk a bit each day.",
             "Sleep well.", "Call a friend.", "Keep your notes.", "Bring this handout."][:items]
    heading = add_section(diagnosis, "Things that help",
                          ["- list:", *[f"    - {f}" for f in foods]])
    list_key, first_item = heading + 2, heading + 3
    result = check(content, tmp_path)
    assert result.returncode == 0, result.stderr
    found = [p for p in problems(result.stderr) if "items" in p["message"]]
    if not flagged:
        assert found == [], result.stderr
        return
    assert len(found) == 1, result.stderr
    (warning,) = found
    assert warning["path"] == diagnosis.resolve()
    assert warning["line"] in (list_key, first_item)
    assert "8 items" in warning["message"]


# ---- masking glossary terms --------------------------------------------------------------------

TERMS = ("A neuroendocrine tumor can be treated with chemotherapy or embolization. Ask your "
         "doctor which one is best for you.")


def test_glossary_terms_are_masked_when_measuring():
    from layouts.readability import measure

    figures = measure([TERMS], "en", english_masker())
    unmasked = measure([TERMS], "en", lambda text: text)
    assert figures.grade == pytest.approx(unmasked.grade)
    assert figures.grade > GRADE_GOAL  # as written, it would be flagged
    assert figures.grade_masked <= GRADE_GOAL
    assert figures.grade > figures.grade_masked
    assert figures.smog > figures.smog_masked


def test_a_section_plain_but_for_glossary_terms_is_not_flagged(content, tmp_path):
    diagnosis = content / topic_file("diagnosis")
    heading = add_section(diagnosis, "Ways to treat it", [f"- paragraph: {TERMS}"])
    result = check(content, tmp_path, "--strict")
    assert result.returncode == 0, result.stderr
    assert at(problems(result.stderr), diagnosis, heading) == []
    assert at(problems(result.stderr), diagnosis, heading + 2) == []


# ---- figures in the manifest -----------------------------------------------------------------

def test_each_handouts_manifest_entry_has_its_reading_level(tmp_path):
    out = tmp_path / "out"
    result = run_cli("--out", out, "--edition", "standard", "--paper", "letter", "--format", "pdf")
    assert result.returncode == 0, result.stderr
    entries = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    handouts = [e for e in entries if e["topic"] != "packet"]
    assert sorted((e["lang"], e["topic"]) for e in handouts) == sorted(
        (lang, topic) for lang in ("en", "es") for topic in TOPICS)
    for entry in handouts:
        level = entry["reading_level"]
        assert level["words"] > 100 and level["sentences"] > 10, entry["path"]
        if entry["lang"] == "en":
            for key in ("grade", "grade_masked", "smog", "smog_masked"):
                assert isinstance(level[key], int | float), (entry["path"], key)
            assert level["grade_masked"] <= GRADE_GOAL, entry["path"]
            assert 0 < level["smog_masked"] < 20
            assert "ease" not in level
        else:  # Spanish: Fernández Huerta only, never an English formula
            assert isinstance(level["ease"], int | float), entry["path"]
            assert isinstance(level["ease_masked"], int | float), entry["path"]
            assert SPANISH_EASE_GOAL <= level["ease_masked"] < 150, entry["path"]
            for english in ("grade", "grade_masked", "smog", "smog_masked"):
                assert english not in level, (entry["path"], english)


# ---- syllables ---------------------------------------------------------------------------------

@pytest.mark.parametrize("word, count", [
    ("the", 1), ("make", 1), ("blood", 1), ("nurse", 1), ("asked", 1),
    ("cancer", 2), ("Cancer", 2), ("tumor", 2), ("doctor", 2), ("wanted", 2), ("boxes", 2),
    ("little", 2), ("people", 2),
    ("medicine", 3), ("hospital", 3), ("family", 3), ("important", 3),
    ("information", 4),
])
def test_english_syllables(word, count):
    from layouts.readability import syllables

    assert syllables(word, "en") == count


@pytest.mark.parametrize("word, count", [
    ("cáncer", 2), ("día", 2), ("país", 2),                      # í after a vowel: a hiatus
    ("páncreas", 3), ("médico", 3), ("cuidado", 3), ("pregunta", 3), ("oído", 3),
    ("tratamiento", 4), ("estómago", 4), ("enfermera", 4),
    ("quimioterapia", 5),                                        # qui-mio-te-ra-pia
])
def test_spanish_syllables(word, count):
    from layouts.readability import syllables

    assert syllables(word, "es") == count
