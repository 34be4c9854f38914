"""A date as staff typed it -> the date, or what is wrong with it in plain words.

Content dates are written YYYY-MM-DD (year, month, day), as ISO 8601 and the schema say. The
usual slips get their own advice: a day the month does not have, curly quotes that a word
processor put in, and a date written the way people write it by hand (11/01/2026).
"""

from __future__ import annotations

import calendar
import datetime
import re

ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})\Z")
BY_HAND = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\Z")
CURLY_QUOTES = "“”„‟‘’‚‛«»"
EXAMPLE = '"2026-11-01"'


def read_date(typed: str) -> datetime.date:
    """The date `typed` means; ValueError saying what is wrong (to follow "not '<typed>': ")."""
    text = typed.strip()
    if text[:1] in CURLY_QUOTES or text[-1:] in CURLY_QUOTES:
        inner = text.strip(CURLY_QUOTES + " ")
        raise ValueError(f'curly quotes stay part of the text; type straight quotes: "{inner}"')
    iso = ISO.match(text)
    if iso:
        year, month, day = map(int, iso.groups())
        if not 1 <= month <= 12:
            raise ValueError(f"there is no month {month}")
        days = calendar.monthrange(year, month)[1]
        if not 1 <= day <= days:
            raise ValueError(f"{calendar.month_name[month]} {year} has {days} days, so there "
                             f"is no day {day}")
        if len(iso.group(2)) == 1 or len(iso.group(3)) == 1:
            raise ValueError(f'write the month and the day with two digits each: '
                             f'"{year:04d}-{month:02d}-{day:02d}"')
        return datetime.date(year, month, day)
    by_hand = BY_HAND.match(text)
    if by_hand:
        first, second, year = map(int, by_hand.groups())
        readings = [f'"{year:04d}-{month:02d}-{day:02d}"'
                    for month, day in dict.fromkeys(((first, second), (second, first)))
                    if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]]
        if len(readings) == 1:
            raise ValueError(f"write the year first: {readings[0]}")
        if readings:
            raise ValueError(f"it could mean {' or '.join(readings)}; write the one that is "
                             "meant, year first")
    raise ValueError(f"write it like {EXAMPLE}")
