"""Results that take a search and are the same for the same inputs, kept between runs.

The label fit of the pancreas drawing tries hundreds of layouts; its result depends only on the
words, the size and the tool. A build keeps such results in <out>/.state/cache/, as JSON (data,
never code), named by a digest of the tool and the inputs, so a changed tool or font never
reads an old result. Without a folder (a process the build did not set up), nothing is kept.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .state import STATE_FILE, tool_hash

_folder: Path | None = None


def use(out: Path) -> None:
    """Keep results under this output folder from now on (worker processes inherit it)."""
    global _folder
    _folder = out / STATE_FILE.parent / "cache"


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
    from .write import write_atomically

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(result).encode())
    except OSError:
        pass   # a result not kept is computed again next time
    return decode(result)
