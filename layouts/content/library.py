"""The content folder -> the clinic, its languages and its sets of handouts, every file checked.

What a folder is comes from what it holds, never from Python: a folder with `phrases.yaml` is a
language (`handouts/<lang>/`), a folder with `set.yaml` is a set (`handouts/<set>/`), and a set
holds one folder per language with the set's title and its topic files. Anything else is
reported and left alone, so a backup folder is never built by mistake.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from . import model
from .errors import Problems, did_you_mean
from .source import read_yaml, stays_inside

LANGUAGE_FILE = "phrases.yaml"
SET_FILE = "set.yaml"
GLOSSARY_FILE = "glossary.yaml"


class UsageError(Exception):
    """The command asked for something the content does not have (exit 2)."""


@dataclasses.dataclass(frozen=True)
class Selection:
    """What a run builds: empty means everything there is."""

    sets: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()


def load(src: Path, clinic_file: Path, selection: Selection,
         problems: Problems) -> model.Content | None:
    """Read and check the clinic, the selected languages and sets; None if anything is wrong."""
    if not src.is_dir():
        raise UsageError(f"{src}: no such content folder; give the folder that holds the "
                         "language folders (such as en/) and the sets of handouts")
    languages, sets = _find(src, problems)
    _check_selection(selection, languages, sets)
    # A clinic file in the content folder obeys its rules; one given elsewhere (--clinic) is
    # the person's own choice.
    in_src = Path(os.path.abspath(clinic_file)).is_relative_to(os.path.abspath(src))
    clinic_data = read_yaml(clinic_file, problems, inside=src if in_src else None)
    clinic = model.to_clinic(clinic_data, problems) if clinic_data is not None else None
    langs = [lang for lang in languages if not selection.langs or lang in selection.langs]
    loaded = {lang: _load_language(src / lang, lang, problems) for lang in langs}
    handout_sets = {}
    for name in sets:
        if not selection.sets or name in selection.sets:
            handout_sets[name] = _load_set(src / name, loaded, problems)
    if not languages:
        problems.error(src, 0, 0, "no language folder was found; a language folder (such as "
                       f"en/) holds {LANGUAGE_FILE} and {GLOSSARY_FILE}")
    if not sets:
        problems.error(src, 0, 0, f"no set of handouts was found; a set is a folder holding "
                       f"{SET_FILE}, which lists its topics")
    if clinic is None or None in loaded.values() or None in handout_sets.values():
        return None
    content = model.Content(clinic, loaded, handout_sets)
    _check_clinic_languages(content, clinic_data, problems)
    _check_warning_signs(content, problems)
    return content


def _find(src: Path, problems: Problems) -> tuple[list[str], list[str]]:
    """The language folders and the set folders of the content folder, by what they hold."""
    languages, sets = [], []
    for folder in _folders(src, src, problems):
        misnamed = [folder / name for name in (LANGUAGE_FILE, SET_FILE)
                    if (folder / Path(name).with_suffix(".yml")).is_file()
                    and not (folder / name).is_file()]
        if misnamed:
            yml = misnamed[0].with_suffix(".yml")
            problems.error(yml, 0, 0, f"'{yml.name}' ends in .yml, so '{folder.name}' is not "
                           f"read; rename it to {misnamed[0].name}")
        elif (folder / LANGUAGE_FILE).is_file():
            if model.LANG_CODE.match(folder.name):
                languages.append(folder.name)
            else:
                problems.error(folder, 0, 0, f"'{folder.name}' holds {LANGUAGE_FILE}, so it is a "
                               "language, but its name is not a language code; rename it to "
                               "one, such as en or es")
        elif (folder / SET_FILE).is_file():
            if folder.name in model.RESERVED_SETS:
                problems.error(folder / SET_FILE, 0, 0, f"'{folder.name}' is a name the output "
                               "uses for itself; rename the set's folder (names taken: "
                               + ", ".join(model.RESERVED_SETS) + ")")
            elif not model.TOPIC_NAME.match(folder.name):
                problems.error(folder, 0, 0, f"the set folder '{folder.name}' needs a name of "
                               "lower-case letters, digits and -, such as lung-net")
            else:
                sets.append(folder.name)
        else:
            problems.warning(folder, 0, 0, f"'{folder.name}' is neither a language (it has no "
                             f"{LANGUAGE_FILE}) nor a set (it has no {SET_FILE}), so it is not "
                             "built; move it out of the content folder if it is a backup")
    return languages, sets


def _folders(folder: Path, src: Path, problems: Problems) -> list[Path]:
    """The folders inside `folder`, leaving out hidden ones and refusing links out of src."""
    found = []
    for path in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if stays_inside(path, src):
            found.append(path)
        else:
            problems.error(path, 0, 0, f"'{path.name}' is a link to {path.resolve()}, outside "
                           f"the content folder {src}; copy the folder in instead of linking it")
    return found


def _check_selection(selection: Selection, languages: list[str], sets: list[str]) -> None:
    for name in selection.sets:
        if name not in sets:
            raise UsageError(f"--set {name}: there is no such set"
                             f"{did_you_mean(name, sets, 'the sets are:')}")
    for lang in selection.langs:
        if lang not in languages:
            raise UsageError(f"--lang {lang}: there is no language folder {lang}/ with "
                             f"{LANGUAGE_FILE}{did_you_mean(lang, languages, 'languages here:')}")


def _load_language(folder: Path, lang: str, problems: Problems) -> model.Language | None:
    src = folder.parent
    phrases_data = read_yaml(folder / LANGUAGE_FILE, problems, inside=src)
    phrases = model.to_phrases(phrases_data, problems) if phrases_data is not None else None
    glossary_data = read_yaml(folder / GLOSSARY_FILE, problems, inside=src)
    glossary = model.to_glossary(glossary_data, problems) if glossary_data is not None else None
    for stray in _content_files(folder):
        if stray.suffix == ".yml" and stray.with_suffix(".yaml").name in (LANGUAGE_FILE,
                                                                         GLOSSARY_FILE):
            continue  # reported where the .yaml file is missing, with what to do
        if stray.name not in (LANGUAGE_FILE, GLOSSARY_FILE, "allowed-words.txt"):
            problems.error(stray, 0, 0, f"'{stray.name}' is not a file this tool reads in a "
                           f"language folder, which holds {LANGUAGE_FILE} and {GLOSSARY_FILE}; "
                           "handouts go in a set's folder, such as pancreatic-net/"
                           f"{lang}/{stray.name}")
    if phrases is None or glossary is None:
        return None
    return model.Language(lang, phrases, glossary)


def _content_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))


def _load_set(folder: Path, languages: dict, problems: Problems) -> model.HandoutSet | None:
    data = read_yaml(folder / SET_FILE, problems, inside=folder.parent)
    topics = model.to_set_topics(data, problems) if data is not None else None
    editions, ok = {}, topics is not None
    for sub in _folders(folder, folder.parent, problems):
        if sub.name not in languages:
            if model.LANG_CODE.match(sub.name) and (folder.parent / sub.name).is_dir():
                continue  # a language this run does not build (--lang)
            problems.warning(sub, 0, 0, f"'{sub.name}' is not a language of this content (there "
                             f"is no {sub.name}/{LANGUAGE_FILE} beside the sets), so it is not "
                             "built; move it out of the set if it is a backup")
            continue
        if topics is None or languages[sub.name] is None:
            ok = False  # already reported where it is broken
            continue
        edition = _load_set_language(sub, topics, languages[sub.name], problems)
        ok = ok and edition is not None
        if edition is not None:
            editions[sub.name] = edition
    if not ok:
        return None
    if not editions:
        problems.warning(folder / SET_FILE, 0, 0, "this set has no language folder (such as "
                         "en/) with its handouts, so nothing of it is built")
    for topic in topics.topics:
        written = [e.handouts[topic] for e in editions.values() if topic in e.handouts]
        if len(written) > 1:
            model.check_same_fields(written, problems)
    return model.HandoutSet(folder.name, tuple(map(str, topics.topics)), editions)


def _load_set_language(folder: Path, topics: model.SetTopics, language: model.Language,
                       problems: Problems) -> model.SetEdition | None:
    lang, src = folder.name, folder.parent.parent
    data = None
    if (folder / SET_FILE).is_file():
        data = read_yaml(folder / SET_FILE, problems, inside=src)
    elif not (folder / SET_FILE).with_suffix(".yml").is_file():  # else reported: rename it
        problems.error(folder / SET_FILE, 0, 0, f"{SET_FILE} is missing; write the set's title "
                       f"in {lang} in it, as 'title: ...'")
    info = model.to_set_language(data, problems) if data is not None else None
    glossary = language.glossary
    if (folder / GLOSSARY_FILE).is_file():
        glossary = _merged_glossary(folder / GLOSSARY_FILE, language.glossary, problems, src)
    names = [f"{topic}.yaml" for topic in topics.topics]
    for path in _content_files(folder):
        if path.name in (SET_FILE, GLOSSARY_FILE, *names):
            continue
        if path.suffix == ".yml":
            problems.error(path, 0, 0, f"'{path.name}' ends in .yml; rename it to "
                           f"{path.stem}.yaml")
        else:
            problems.error(path, 0, 0, f"'{path.name}' is not a topic of this set"
                           f"{did_you_mean(path.name, names, 'the topics are')}; add "
                           f"'{path.stem}' to the topics in {folder.parent.name}/{SET_FILE}, or "
                           "move the file out")
    handouts, ok = {}, info is not None and glossary is not None
    for topic in topics.topics:
        path = folder / f"{topic}.yaml"
        if not path.is_file():
            if not path.with_suffix(".yml").is_file():  # else reported: rename it
                problems.warning(path, 0, 0, f"the topic '{topic}' is not written in {lang} "
                                 f"yet, so this language gets no packet of the set; add "
                                 f"{path.name}")
            continue
        data = read_yaml(path, problems, inside=src)
        handout = model.to_handout(data, topic, lang, problems) if data is not None else None
        ok = ok and handout is not None
        if handout is not None:
            handouts[topic] = handout
    if not ok:
        return None
    return model.SetEdition(lang, info, handouts, glossary,
                            complete=len(handouts) == len(topics.topics))


def _merged_glossary(path: Path, shared: model.Glossary, problems: Problems,
                     src: Path) -> model.Glossary | None:
    """The language's glossary with a set's own terms added; a term in both is a mistake."""
    data = read_yaml(path, problems, inside=src)
    own = model.to_glossary(data, problems) if data is not None else None
    if own is None:
        return None
    known = {form.casefold(): term for term in shared.terms for form in (term.term, *term.also)}
    for term in own.terms:
        for form in (term.term, *term.also):
            if form.casefold() in known:
                other = known[form.casefold()]
                problems.at(form, f"'{form}' is already in the language's glossary "
                            f"({other.mark.path}, line {other.mark.line}); keep it in one place")
    return model.Glossary(shared.terms + own.terms, mark=own.mark)


def _check_clinic_languages(content: model.Content, data, problems: Problems) -> None:
    """Every language built needs the clinic's own warning signs in that language."""
    for lang in content.languages:
        if lang not in content.clinic.languages:
            mark = data.key_marks.get("languages", data.mark)
            problems.error(mark.path, mark.line, mark.col, f"the clinic file has nothing in "
                           f"'{lang}'; add '{lang}:' under languages, with the warning signs, "
                           "the emergency line, the phone hours and the language help in "
                           f"that language")


def _check_warning_signs(content: model.Content, problems: Problems) -> None:
    """Page 1 shows the clinic's signs with the set's and the topic's own: at most seven."""
    for handout_set in content.sets.values():
        for lang, edition in handout_set.languages.items():
            clinic = content.clinic.languages.get(lang)
            if clinic is None:
                continue
            for handout in edition.handouts.values():
                count = (len(clinic.warning_signs.signs) + len(edition.info.warning_signs)
                         + len(handout.warning_signs))
                if count > model.MOST_WARNING_SIGNS:
                    own = (handout.warning_signs or edition.info.warning_signs
                           or clinic.warning_signs.signs)
                    problems.at(own[0], f"this handout would show "
                                f"{count} warning signs (the clinic's, the set's and its own); "
                                f"page 1 has room for {model.MOST_WARNING_SIGNS}, so remove "
                                f"{count - model.MOST_WARNING_SIGNS}")


def warning_signs(content: model.Content, handout_set: model.HandoutSet, lang: str,
                  handout: model.Handout) -> tuple[str, ...]:
    """The warning signs page 1 of a handout shows: the clinic's, then the set's, then its own."""
    return (content.clinic.languages[lang].warning_signs.signs
            + handout_set.languages[lang].info.warning_signs + handout.warning_signs)
