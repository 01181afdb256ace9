"""A crawl process run to its end, but not past its time limit.

Scrapy closes a crawl itself at `crawl_time_limit` (CLOSESPIDER_TIMEOUT), keeping what it fetched, and
waits at most a download timeout for the requests in flight. A crawl still running well after that is
stuck (a reactor that never returns) and is stopped here, so that one source cannot hold up a run.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence

# How long past its time limit a crawl may run before it is taken for stuck.
STOP_GRACE_SECONDS = 300.0
# After SIGTERM Scrapy closes what is open (WARC, pages.jsonl); a process that ignores it is killed.
KILL_AFTER_SECONDS = 30.0
# How long the watcher pauses when the step it runs meanwhile found nothing to do.
POLL_SECONDS = 0.2


# The crawl processes running now, in any thread of this process (`stop_all` ends them).
_live: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()


class CrawlStuck(RuntimeError):
    """A crawl process that outlived its time limit by the grace period, and was stopped."""


def _idle() -> int:
    return 0


def supervise(proc: subprocess.Popen[bytes], step: Callable[[], int], deadline: float | None,
              kill_after: float = KILL_AFTER_SECONDS) -> bool:
    """Call `step` until `proc` exits (it returns the work it did; after none, a pause), then True.

    At `deadline` (a monotonic time) the process is stopped, SIGTERM first (Scrapy closes cleanly), SIGKILL
    `kill_after` seconds later, and the answer is False.
    """
    while proc.poll() is None:
        if deadline is not None and time.monotonic() > deadline:
            proc.terminate()
            try:
                proc.wait(kill_after)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            return False
        if not step():
            time.sleep(POLL_SECONDS)
    return True


def run(argv: Sequence[str], env: Mapping[str, str], time_limit: int, source_id: str,
        step: Callable[[], int] = _idle) -> int:
    """Run one crawl process (`time_limit` seconds, 0 for none), calling `step` while it runs; its exit
    status. Raises CrawlStuck when it had to be stopped."""
    deadline = time.monotonic() + time_limit + STOP_GRACE_SECONDS if time_limit > 0 else None
    with subprocess.Popen(list(argv), env=dict(env), stdin=subprocess.DEVNULL) as proc:
        with _live_lock:
            _live.add(proc)
        try:
            finished = supervise(proc, step, deadline)
        except BaseException:
            proc.kill()  # interrupted (Ctrl-C, a cancelled task): no crawl outlives its run
            raise
        finally:
            with _live_lock:
                _live.discard(proc)
    if not finished:
        raise CrawlStuck(f"crawl of {source_id} still running {STOP_GRACE_SECONDS:.0f} s after its time limit "
                         f"({time_limit} s): stopped (send SIGUSR1 to a crawl to see where it waits)")
    return proc.returncode


def stop_all(wait: float = 5.0) -> int:
    """Stop every crawl process of this process still running, for a run that ends without them: SIGTERM
    (Scrapy closes its files), SIGKILL for those still there after `wait` seconds. How many were running."""
    with _live_lock:
        running = [p for p in _live if p.poll() is None]
    for proc in running:
        proc.terminate()
    deadline = time.monotonic() + wait
    for proc in running:
        try:
            proc.wait(max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            proc.kill()
    return len(running)
