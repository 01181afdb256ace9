"""A command that ran flows leaves within a bounded time of its end, whatever a library's exit hook does.

Prefect's queue services flush their logs and events to the API at interpreter exit without a time limit.
By the time a flow command returns, its rows are committed and its result printed, so a flush that never
ends must not hold the process (nor whatever schedules it) forever.
"""

from __future__ import annotations

import faulthandler
import io
import os
import sys
import threading
import time
from collections.abc import Callable

_wanted = False
# What must not outlive the process should the guard end it (atexit hooks do not run then).
_before_exit: list[Callable[[], object]] = []


def want(cleanup: Callable[[], object] | None = None) -> None:
    """Ask the `veille` command to guard its exit once the command returns (see `exit_within`); `cleanup`
    runs should the guard end the process (a child process to stop, say)."""
    global _wanted
    _wanted = True
    if cleanup is not None and cleanup not in _before_exit:
        _before_exit.append(cleanup)


def wanted() -> bool:
    """Whether this process ran something that asked for an exit guard."""
    return _wanted


def exit_within(seconds: float, code: int) -> threading.Thread:
    """Leave the process with `code` if it is still alive `seconds` from now, printing every thread's stack.

    Called as the command returns, before the interpreter joins other threads and runs exit hooks.
    """
    def guard() -> None:
        time.sleep(seconds)
        try:
            sys.stdout.flush()
            sys.stderr.write(f"veille: the command ended but the process did not exit within {seconds:.0f} s; "
                             f"its threads follow, then it exits with status {code}\n")
            sys.stderr.flush()
            faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            pass  # no usable stderr: leave all the same
        for cleanup in _before_exit:
            try:
                cleanup()
            except Exception:  # noqa: BLE001 - leaving is what matters now
                pass
        os._exit(code)

    thread = threading.Thread(target=guard, name="veille-exit-guard", daemon=True)
    thread.start()
    return thread
