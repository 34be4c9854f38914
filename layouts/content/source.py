"""YAML text -> plain data (str, dict, list) remembering the file, line and column of each value.

Content is data, never code: only YAML's parse events are used, so no tag can build a Python
object; anchors and aliases are refused (no alias bombs); duplicate keys are refused; and every
scalar stays exactly the text that was typed (`NO`, `0123`, `1:30` are never turned into
booleans, numbers or times). The model decides what a value means.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import Problems

MAX_FILE_BYTES = 1_000_000  # a handout is a few kB; anything near this is a mistake
MAX_DEPTH = 40
MAX_NODES = 50_000

try:  # the C parser is several times faster; the pure-Python one gives the same events
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


@dataclass(frozen=True)
class Mark:
    path: str
    line: int
    col: int


class Text(str):
    """A scalar as typed, with where it was typed."""

    mark: Mark
    quoted: bool

    def __new__(cls, value: str, mark: Mark, quoted: bool = False):
        self = super().__new__(cls, value)
        self.mark = mark
        self.quoted = quoted
        return self

    def __reduce__(self):  # keep the location when sent to another process
        return (Text, (str(self), self.mark, self.quoted))


class Mapping(dict):
    """A YAML mapping; `key_marks` says where each key was typed."""

    def __init__(self, mark: Mark):
        super().__init__()
        self.mark = mark
        self.key_marks: dict[str, Mark] = {}

    def __reduce__(self):
        return (_rebuild_mapping, (self.mark, self.key_marks, dict(self)))


class Sequence(list):
    """A YAML sequence, with where it starts."""

    def __init__(self, mark: Mark):
        super().__init__()
        self.mark = mark

    def __reduce__(self):
        return (_rebuild_sequence, (self.mark, list(self)))


def _rebuild_mapping(mark, key_marks, items):
    m = Mapping(mark)
    m.key_marks = key_marks
    m.update(items)
    return m


def _rebuild_sequence(mark, items):
    s = Sequence(mark)
    s.extend(items)
    return s


# PyYAML's own words, and what they mean to someone editing a file by hand.
_PLAIN_WORDS = (
    ("could not find expected ':'", "a line is missing its ':' after the name, or its text "
     "needs quotes around it"),
    ("mapping values are not allowed", "this ':' is not expected; put the whole text in "
     "double quotes if it contains ': '"),
    ("found unexpected end of stream", "the file ends inside quotes or brackets; close them"),
    ("did not find expected key", "the indentation does not line up with the lines above"),
    ("did not find expected '-' indicator", "a list item is not lined up with the items above"),
    ("found undefined alias", "'*' starts an alias, which is not allowed; put the text in quotes"),
    ("maximum nesting depth", "the content is nested too deeply; a handout needs only a few "
     "levels of indentation or brackets"),
    ("found unknown escape character", "a backslash starts an unknown escape; write '\\\\' for a "
     "backslash, or use single quotes"),
)


def _plain(problem: str, char: str) -> str:
    if char == "\t":
        return "a tab is used here; indent with spaces, not tabs"
    if "cannot start any token" in problem and char and char in "%@`":
        return f"text cannot start with '{char}'; put the whole text in double quotes"
    for pattern, words in _PLAIN_WORDS:
        if pattern in problem:
            return words
    return f"this is not valid YAML ({problem}); check the quotes, colons and indentation"


def read_yaml(path: Path, problems: Problems, shown_as: str | None = None):
    """Read one YAML file into located data, or report why it cannot be read and return None."""
    name = shown_as or str(path)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        problems.error(name, 0, 0, f"cannot read this file ({e.strerror or e})")
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.error(name, 0, 0, f"the file is larger than {MAX_FILE_BYTES // 1000} kB; "
                       "a handout should be a few kB, so check that this is the right file")
        return None
    return parse_yaml(data, name, problems)


def parse_yaml(data: bytes, name: str, problems: Problems):
    """Parse YAML bytes into located data; report every problem found and return None on failure."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        problems.error(name, line, col, "this file is not saved as UTF-8 text; in your editor, "
                       "save it again with the encoding 'UTF-8'")
        return None
    text = text.removeprefix("\ufeff")
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#")
                               for ln in text.splitlines()):
        problems.error(name, 1, 1, "the file is empty; it needs the content described in "
                       "handouts/README.md")
        return None
    try:
        return _Builder(name, problems).build(yaml.parse(text, Loader=_Loader))
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        col = e.position - (text.rfind("\n", 0, e.position) + 1) + 1
        problems.error(name, line, col, f"the character U+{e.character:04X} cannot be used in "
                       "a YAML file; delete it")
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        char = text[mark.index] if mark and mark.index < len(text) else ""
        problems.error(name, line, col, _plain(f"{e.context or ''} {e.problem or ''}", char))
    except _Refused:
        pass  # already reported
    return None


class _Refused(Exception):
    """Stop reading a file after a problem that makes the rest meaningless."""


class _Builder:
    def __init__(self, name: str, problems: Problems):
        self.name = name
        self.problems = problems
        self.nodes = 0

    def mark(self, event) -> Mark:
        return Mark(self.name, event.start_mark.line + 1, event.start_mark.column + 1)

    def refuse(self, event, message: str):
        m = self.mark(event)
        self.problems.error(m.path, m.line, m.col, message)
        raise _Refused

    def build(self, events):
        events = iter(events)
        documents = []
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                if documents:
                    self.refuse(event, "a file holds one document; remove the '---' line")
                documents.append(self.node(next(events), events, 0))
        return documents[0] if documents else None

    def check(self, event) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.refuse(event, "the file has too many items to be a handout")
        if getattr(event, "anchor", None):
            self.refuse(event, f"'&{event.anchor}' is an anchor; anchors and aliases are not "
                        "allowed, so write the text out in full")
        tag = getattr(event, "tag", None)
        if tag not in (None, "!"):
            tag = tag.replace("tag:yaml.org,2002:", "!!")
            self.refuse(event, f"'{tag}' is a YAML tag, which is not allowed; remove it "
                        "(put the text in quotes if it starts with '!')")

    def node(self, event, events, depth: int):
        if depth > MAX_DEPTH:
            self.refuse(event, "the content is nested too deeply")
        if isinstance(event, yaml.AliasEvent):
            self.refuse(event, f"'*{event.anchor}' is an alias; anchors and aliases are not "
                        "allowed, so write the text out in full")
        self.check(event)
        if isinstance(event, yaml.ScalarEvent):
            return Text(event.value, self.mark(event), quoted=event.style in ("'", '"', "|", ">"))
        if isinstance(event, yaml.SequenceStartEvent):
            seq = Sequence(self.mark(event))
            for item in events:
                if isinstance(item, yaml.SequenceEndEvent):
                    return seq
                seq.append(self.node(item, events, depth + 1))
        if isinstance(event, yaml.MappingStartEvent):
            mapping = Mapping(self.mark(event))
            for key_event in events:
                if isinstance(key_event, yaml.MappingEndEvent):
                    return mapping
                if not isinstance(key_event, yaml.ScalarEvent):
                    self.refuse(key_event, "a name before ':' must be plain text")
                self.check(key_event)
                key = key_event.value
                if key in mapping:
                    first = mapping.key_marks[key]
                    self.problems.error(self.name, key_event.start_mark.line + 1,
                                        key_event.start_mark.column + 1,
                                        f"'{key}' is given twice (first on line {first.line}); "
                                        "keep one and delete the other")
                    self.node(next(events), events, depth + 1)  # skip the duplicate's value
                    continue
                mapping.key_marks[key] = self.mark(key_event)
                mapping[key] = self.node(next(events), events, depth + 1)
        self.refuse(event, "unexpected YAML content")  # pragma: no cover - parser guarantees
