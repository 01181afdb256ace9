"""`kill -USR1 PID` prints every thread's stack of a veille process to its stderr.

A daily run that seems stuck (a crawl that never ends, a lock never released) then shows where it waits
without being stopped: the run goes on afterwards. The CLI and the crawl processes install it at start.
"""

from __future__ import annotations

import faulthandler
import io
import signal
import sys


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
