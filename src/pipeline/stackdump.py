"""Where a veille process waits: `kill -USR1 PID` prints every thread's stack to its stderr, and a flow
command whose work is done leaves within a bounded time whatever a library's exit hook does.

A daily run that seems stuck (a crawl that never ends, a lock never released) then shows where it waits
without being stopped: the run goes on afterwards. The CLI and the crawl processes install it at start.
"""

from __future__ import annotations

import faulthandler
import io
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

_exit_guard = False
# What must not outlive the process should the guard end it (atexit hooks do not run then).
_before_exit: list[Callable[[], object]] = []


def install() -> bool:
    """Dump all threads' stacks to stderr on SIGUSR1; False where that cannot be (no SIGUSR1, or a stderr
    without a file descriptor, as under a test runner's capture)."""
    usr1 = getattr(signal, "SIGUSR1", None)
    if usr1 is None:
        return False
    try:
        faulthandler.register(usr1, file=sys.stderr, all_threads=True, chain=False)
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation, RuntimeError):
        return False
    return True


def want_exit_guard(cleanup: Callable[[], object] | None = None) -> None:
    """Ask the `veille` command to guard its exit once the command returns (see `exit_within`); `cleanup`
    runs should the guard end the process (a child process to stop, say)."""
    global _exit_guard
    _exit_guard = True
    if cleanup is not None and cleanup not in _before_exit:
        _before_exit.append(cleanup)


def exit_guard_wanted() -> bool:
    """Whether this process ran something that asked for an exit guard."""
    return _exit_guard


def exit_within(seconds: float, code: int) -> threading.Thread:
    """Leave the process with `code` if it is still alive `seconds` from now, printing every thread's stack.

    Called as the command returns, before the interpreter joins other threads and runs exit hooks. Prefect's
    queue services flush to the API at exit without a time limit; the run's rows are committed by then, so a
    flush that never ends must not hold the process (nor whatever schedules it) forever.
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
