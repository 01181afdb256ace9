"""A command that ran flows leaves within a bounded time of its end, whatever a library's exit hook does.

Prefect's queue services flush their logs and events to the API at interpreter exit without a time limit.
By the time a flow command returns, its rows are committed and its result printed, so a flush that never
ends must not hold the process (nor whatever schedules it) forever. `leave` is the same way out for a run
that cannot go on (its Prefect server is gone): what must not outlive the process is stopped first, and
`interrupted` tells a server that Ctrl-C stopped from one that died.
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
from types import FrameType
from typing import NoReturn

_wanted = False
# What must not outlive the process should the guard end it (atexit hooks do not run then).
_before_exit: list[Callable[[], object]] = []


# Set by the SIGINT handler of `note_interrupts`: Ctrl-C reaches the whole foreground process group, so a
# child that ends meanwhile (the Prefect server) ended because of it, not on its own.
_interrupted = threading.Event()


def _note_interrupt(signum: int, frame: FrameType | None) -> None:
    _interrupted.set()
    signal.default_int_handler(signum, frame)  # KeyboardInterrupt, as before


def note_interrupts() -> bool:
    """Remember a Ctrl-C (SIGINT) before raising KeyboardInterrupt as usual; False off the main thread."""
    try:
        signal.signal(signal.SIGINT, _note_interrupt)
    except ValueError:
        return False
    return True


def interrupted() -> bool:
    """Whether this process was sent SIGINT since `note_interrupts`."""
    return _interrupted.is_set()


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


def leave(code: int, message: str, stacks: bool = False) -> NoReturn:
    """End the process with `code` at once, from any thread: `message` (and every thread's stack) on stderr,
    then the cleanups given to `want`. No atexit hook runs and no thread is joined."""
    try:
        sys.stdout.flush()
        sys.stderr.write(message.rstrip("\n") + "\n")
        sys.stderr.flush()
        if stacks:
            faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass  # no usable stderr: leave all the same
    for cleanup in _before_exit:
        try:
            cleanup()
        except Exception:  # noqa: BLE001 - leaving is what matters now
            pass
    os._exit(code)


def exit_within(seconds: float, code: int) -> threading.Thread:
    """Leave the process with `code` if it is still alive `seconds` from now, printing every thread's stack.

    Called as the command returns, before the interpreter joins other threads and runs exit hooks.
    """
    def guard() -> None:
        time.sleep(seconds)
        leave(code, f"veille: the command ended but the process did not exit within {seconds:.0f} s; "
                    f"its threads follow, then it exits with status {code}", stacks=True)

    thread = threading.Thread(target=guard, name="veille-exit-guard", daemon=True)
    thread.start()
    return thread
