"""A function and its inputs -> its results in order, computed on several processes.

Workers are forked, so they start with the parent's fonts and content already loaded. They
die with their parent (Linux PR_SET_PDEATHSIG): a build that is killed leaves no orphan
processes holding its output pipes open. Only the parent decides when to stop: workers ignore
Ctrl-C (the terminal sends it to every process of the command), and when the parent is
interrupted it stops them and waits until they are gone, so whatever they leave half-done can
be cleaned up after them.
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
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)   # not the parent's: stopped means gone
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
        _stop(pool)
        raise


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel the work not started, stop every worker and wait until each has exited."""
    # The executor has no public way to stop its workers before Python 3.14.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.kill()
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(timeout=10)
