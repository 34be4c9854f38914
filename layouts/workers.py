"""A function and its inputs -> its results in order, computed on several processes.

Workers are forked, so they start with the parent's fonts and content already loaded. They
die with their parent (Linux PR_SET_PDEATHSIG): a build that is killed leaves no orphan
processes holding its output pipes open, and an interrupted one cancels the work not started.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1


def _start_worker(parent: int, initializer, initargs) -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    if initializer is not None:
        initializer(*initargs)


def run_in_workers(function, items: list, processes: int, initializer=None, initargs=()):
    """Yield function(item) for each item, in order, from `processes` worker processes."""
    pool = ProcessPoolExecutor(max_workers=processes,
                               mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker,
                               initargs=(os.getpid(), initializer, initargs))
    try:
        yield from pool.map(function, items)
        pool.shutdown(wait=True)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
