"""YAML text -> plain data (str, dict, list) remembering the file, line and column of each value.

Content is data, never code: only YAML's parse events are used, so no tag can build a Python
object; anchors and aliases are refused (no alias bombs); duplicate keys are refused; and every
scalar stays exactly the text that was typed (`NO`, `0123`, `1:30` are never turned into
booleans, numbers or times). The model decides what a value means.
"""

from __future__ import annotations

import bisect
import os
import re
import unicodedata
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
    """Where a value was typed: 1-based line and column, counted as an editor shows them."""

    path: str
    line: int
    col: int


# The line breaks YAML counts (so line numbers agree with the parser's).
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_ZERO_WIDTH_JOINER = "\u200d"


def _joins_previous(char: str) -> bool:
    """A code point drawn as part of the character before it: an accent, a variation selector,
    an emoji's skin tone or tag."""
    code = ord(char)
    return (unicodedata.category(char) in ("Mn", "Me", "Mc") or 0xFE00 <= code <= 0xFE0F
            or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F)


def column_after(before: str) -> int:
    """The 1-based column just after `before` (the start of a line up to a point).

    A column counts characters as a person sees them: a letter with its accents, typed as one
    code point or as several, is one; so is an emoji, with its skin tone or joined to others
    (family, health worker), and a flag; a tab is one. PyYAML counts code points instead.
    """
    if before.isascii():
        return len(before) + 1
    count, joining, half_flag = 0, False, False
    for char in before:
        if joining:  # the emoji after a zero-width joiner is part of the one before it
            joining = False
            continue
        if char == _ZERO_WIDTH_JOINER:
            joining = True
            continue
        if _joins_previous(char):
            continue
        if 0x1F1E6 <= ord(char) <= 0x1F1FF:  # two regional indicators make one flag
            half_flag = not half_flag
            if not half_flag:
                continue
        else:
            half_flag = False
        count += 1
    return count + 1


class Lines:
    """Text -> the line and column of any index in it, as an editor shows them."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]

    def line(self, index: int) -> int:
        return bisect.bisect_right(self.starts, index)

    def where(self, index: int) -> tuple[int, int]:
        line = self.line(index)
        return line, column_after(self.text[self.starts[line - 1]:index])

    def end_of_line(self, index: int) -> int:
        line = self.line(index)
        return self.starts[line] if line < len(self.starts) else len(self.text)


class Text(str):
    """A scalar as typed, with where it was typed (and where a ` #` after it starts a comment,
    which YAML drops: see LEFT_OUT)."""

    mark: Mark
    quoted: bool
    comment: Mark | None

    def __new__(cls, value: str, mark: Mark, quoted: bool = False, comment: Mark | None = None):
        self = super().__new__(cls, value)
        self.mark = mark
        self.quoted = quoted
        self.comment = comment
        return self

    def __reduce__(self):  # keep the location when sent to another process
        return (Text, (str(self), self.mark, self.quoted, self.comment))


# Said at the '#' of a comment that follows text on its line (the model knows which values are
# text, so it decides where to say it).
LEFT_OUT = ("the words after ' #' are left out: YAML reads ' #' as the start of a note for "
            "editors; if they belong to the text, put the whole text in double quotes; if they "
            "are a note, move them to a line of their own")


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


def read_yaml(path: Path, problems: Problems, shown_as: str | None = None,
              inside: Path | None = None):
    """Read one YAML file into located data, or report why it cannot be read and return None.

    With `inside` (the content folder), a file that is a link leading out of it is refused:
    what is built is what the folder holds, not whatever a link points to today.
    """
    name = shown_as or str(path)
    if inside is not None and not stays_inside(path, inside):
        problems.error(name, 0, 0, f"this file is a link to {path.resolve()}, outside the "
                       f"content folder {inside}; copy the file into the folder instead")
        return None
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        misnamed = path.with_suffix(".yml")
        if misnamed.is_file():
            problems.error(misnamed, 0, 0, f"'{misnamed.name}' ends in .yml; rename it to "
                           f"{path.name}")
        else:
            problems.error(name, 0, 0, "this file is missing")
        return None
    except OSError as e:
        problems.error(name, 0, 0, f"cannot read this file ({e.strerror or e})")
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.error(name, 0, 0, f"the file is larger than {MAX_FILE_BYTES // 1000} kB; "
                       "a handout should be a few kB, so check that this is the right file")
        return None
    return parse_yaml(data, name, problems)


def stays_inside(path: Path, folder: Path) -> bool:
    """Whether path, once every link on the way is followed, is still inside folder."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))


def decode_text(data: bytes, name: str, problems: Problems) -> str | None:
    """The text of a content file's bytes (UTF-8, with or without a BOM), or None when it is
    not UTF-8, reported at the first character that is not."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        before = data[:e.start].decode("utf-8").removeprefix("\ufeff")
        line, col = Lines(before).where(len(before))
        problems.error(name, line, col, "this file is not saved as UTF-8 text; in your editor, "
                       "save it again with the encoding 'UTF-8'")
        return None


def parse_yaml(data: bytes, name: str, problems: Problems):
    """Parse YAML bytes into located data; report every problem found and return None on failure."""
    text = decode_text(data, name, problems)
    if text is None:
        return None
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#")
                               for ln in text.splitlines()):
        problems.error(name, 1, 1, "the file is empty; it needs the content described in "
                       "handouts/README.md")
        return None
    lines = Lines(text)
    try:
        return _Builder(name, problems, lines).build(yaml.parse(text, Loader=_Loader))
    except yaml.reader.ReaderError as e:
        # The C parser gives the position in UTF-8 bytes, not characters: find it again.
        found = yaml.reader.Reader.NON_PRINTABLE.search(text)
        line, col = lines.where(found.start() if found else e.position)
        problems.error(name, line, col, f"the character U+{e.character:04X} cannot be used in "
                       "a YAML file; delete it")
    except yaml.MarkedYAMLError as e:
        cause = _explained(text, lines, e)
        if cause:
            index, message = cause
            line, col = lines.where(index)
            problems.error(name, line, col, message)
            return None
        mark = e.problem_mark or e.context_mark
        line, col = lines.where(mark.index) if mark else (0, 0)
        char = text[mark.index] if mark and mark.index < len(text) else ""
        problems.error(name, line, col, _plain(f"{e.context or ''} {e.problem or ''}", char))
    except _Refused:
        pass  # already reported
    return None


def _explained(text: str, lines: Lines, error: yaml.MarkedYAMLError):
    """(where the cause is, what to do) when a quote left open or closed too early, or a
    ` #` that cut a text short, explains a YAML error; else None."""
    if error.context == "while scanning a quoted scalar" and error.context_mark:
        quote = text[error.context_mark.index]
        return error.context_mark.index, (
            f"the quote {quote} that opens this text is never closed; add a {quote} at the end "
            "of the text")
    problem = error.problem_mark
    if problem is None:
        return None
    quoted = plain = None  # the last quoted and plain text before the problem
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if token.start_mark.index >= problem.index:
                break
            if isinstance(token, yaml.ScalarToken):
                if token.style in ("'", '"'):
                    quoted = token
                else:
                    plain = token
    except yaml.YAMLError:
        pass  # the scan stops at the same problem
    problem_line = lines.line(problem.index)
    if quoted is not None and lines.line(quoted.end_mark.index) == problem_line:
        return _closed_too_early(text, lines, quoted)
    if plain is not None and lines.line(plain.end_mark.index) == problem_line - 1:
        end = plain.end_mark.index
        comment = _COMMENT_AFTER.match(text, end, lines.end_of_line(end))
        if comment:  # the text went on, but ' #' ended it: the next line is left over
            return comment.end() - 1, (
                f"{LEFT_OUT.split(';')[0]}, so the text ends here and line {problem_line} "
                "cannot be read; if the '#' belongs to the text, put the whole text in double "
                "quotes; if it starts a note, move the note to a line of its own")
    return None


def _closed_too_early(text: str, lines: Lines, last) -> tuple[int, str]:
    opened, closed = last.start_mark.index, last.end_mark.index - 1
    quote = text[opened]
    closed_line, closed_col = lines.where(closed)
    if lines.line(opened) != closed_line:
        return opened, (f"the quote {quote} that opens this text is not closed on its line, so "
                        f"the text runs on to the next {quote} (line {closed_line}, column "
                        f"{closed_col}); add a {quote} at the end of the text")
    fix = ('write each " inside the text as \\", or put the whole text in single quotes'
           if quote == '"' else
           "put the whole text in double quotes instead, or write each ' inside it as ''")
    return opened, (f"this text starts with {quote}, so it ends at the next {quote} (column "
                    f"{closed_col}) and what follows cannot be read; {fix}")


class _Refused(Exception):
    """Stop reading a file after a problem that makes the rest meaningless."""


_COMMENT_AFTER = re.compile(r"[ \t]+#")


class _Builder:
    def __init__(self, name: str, problems: Problems, lines: Lines):
        self.name = name
        self.problems = problems
        self.lines = lines
        self.nodes = 0

    def mark(self, event) -> Mark:
        return Mark(self.name, *self.lines.where(event.start_mark.index))

    def comment_after(self, event) -> Mark | None:
        """Where a comment starts on the line a plain value ends, if one does: YAML drops
        ` #` and what follows, which after text is usually a mistake."""
        if event.style:  # quoted or a block: the text visibly ends before any comment
            return None
        end = event.end_mark.index
        rest = _COMMENT_AFTER.match(self.lines.text, end, self.lines.end_of_line(end))
        return Mark(self.name, *self.lines.where(rest.end() - 1)) if rest else None

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
            return Text(event.value, self.mark(event), quoted=event.style in ("'", '"', "|", ">"),
                        comment=self.comment_after(event))
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
                    where = self.mark(key_event)
                    self.problems.error(self.name, where.line, where.col,
                                        f"'{key}' is given twice (first on line {first.line}); "
                                        "keep one and delete the other")
                    self.node(next(events), events, depth + 1)  # skip the duplicate's value
                    continue
                mapping.key_marks[key] = self.mark(key_event)
                mapping[key] = self.node(next(events), events, depth + 1)
        self.refuse(event, "unexpected YAML content")  # pragma: no cover - parser guarantees
