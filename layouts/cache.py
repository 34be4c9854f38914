"""Results that take a search and are the same for the same inputs, kept between runs.

The label fit of the pancreas drawing tries hundreds of layouts; its result depends only on the
words, the size and the tool. A build keeps such results in <out>/.state/cache/, as JSON (data,
never code), named by a digest of the tool and the inputs, so a changed tool or font never
reads an old result. New results wait in memory (`take`) and are written with the run's
outputs, so a failed or stopped run leaves nothing new. Without a folder (a process the build
did not set up), nothing is kept.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .state import STATE_FILE, tool_hash

CACHE = STATE_FILE.parent / "cache"   # below the output folder
_folder: Path | None = None
_new: dict[str, bytes] = {}   # results found in this process and not yet written


def use(out: Path) -> None:
    """Read kept results under this output folder from now on (worker processes inherit it)."""
    global _folder
    _folder = out / CACHE


def take() -> dict[str, bytes]:
    """The results this process found since the last call, as files to write below the
    output folder: relative path -> bytes."""
    found = dict(_new)
    _new.clear()
    return found


def remembered(kind: str, inputs, compute, decode):
    """decode(compute()) once for these JSON-able inputs, and then decode(the kept result).
    compute returns JSON-able data; a kept result that does not decode is computed again."""
    if _folder is None:
        return decode(compute())
    name = hashlib.sha256(json.dumps([tool_hash(), inputs]).encode()).hexdigest()[:32]
    path = _folder / f"{kind}-{name}.json"
    try:
        return decode(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        pass   # none kept, or a damaged file: computed again and kept anew
    result = compute()
    _new[(CACHE / path.name).as_posix()] = json.dumps(result).encode()
    return decode(result)
