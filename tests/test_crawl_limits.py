"""Nothing holds up a run for ever: Scrapy closes a crawl at `crawl_time_limit`, the run stops one that goes
on and does not retry it, SIGUSR1 shows where a process waits, a finished command leaves within its exit
grace, and a run whose Prefect server dies stops at once, its crawls with it. Real processes, real Prefect
task runs and a real slow server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

from pipeline import crawl_watch
from tests.conftest import child_processes, finish_veille, start_veille
from tests.loopback import serving
from tests.test_crawl import REPO, art, article_html, build_mirror, pages, rss, run_crawl, seed_text, write

PYTHON = sys.executable


def _sleeper(*setup: str) -> subprocess.Popen[bytes]:
    code = "; ".join([*setup, "import time", "print('ready', flush=True)", "time.sleep(60)"])
    proc = subprocess.Popen([PYTHON, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    return proc


def test_supervise_returns_when_the_process_ends_and_keeps_stepping() -> None:
    steps: list[int] = []

    def step() -> int:
        steps.append(1)
        return 0

    with subprocess.Popen([PYTHON, "-c", "import time; time.sleep(0.6)"]) as proc:
        assert crawl_watch.supervise(proc, step, time.monotonic() + 30) is True
    assert proc.returncode == 0 and len(steps) >= 2


def test_supervise_stops_a_process_past_its_deadline() -> None:
    proc = _sleeper()
    start = time.monotonic()
    assert crawl_watch.supervise(proc, lambda: 0, time.monotonic() + 0.5) is False
    assert proc.returncode == -signal.SIGTERM and time.monotonic() - start < 10


def test_supervise_kills_a_process_that_ignores_sigterm() -> None:
    proc = _sleeper("import signal", "signal.signal(signal.SIGTERM, signal.SIG_IGN)")
    assert crawl_watch.supervise(proc, lambda: 0, time.monotonic() + 0.2, kill_after=0.5) is False
    assert proc.returncode == -signal.SIGKILL


def test_sigusr1_prints_every_thread_and_the_process_goes_on() -> None:
    proc = _sleeper("from pipeline import stackdump", "assert stackdump.install()", "import threading, time",
                    "threading.Thread(target=time.sleep, args=(60,), daemon=True).start()")
    try:
        proc.send_signal(signal.SIGUSR1)
        time.sleep(1.0)
        assert proc.poll() is None  # still running
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=30)
    text = err.decode()
    assert "Current thread" in text and text.count("Thread 0x") >= 1, text


class _SlowArticles(SimpleHTTPRequestHandler):
    """The mirror, with every article page answered a second late (feeds and listings at once)."""

    root = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=self.root, **kwargs)

    def do_GET(self) -> None:
        if self.path.endswith("/c.html"):
            time.sleep(1)
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


def _slow_mirror(root: Path) -> list[str]:
    """The xinhua-fr test mirror with 60 more articles in its feed, served by `_SlowArticles`; their URLs."""
    source = build_mirror(root)["source"]
    articles = [art("20260110", 100 + n) for n in range(60)]
    write(root, source.feeds[0], rss([(url, f"Article {n}") for n, url in enumerate(articles)]))
    text = seed_text("seed_001_digital_china_summit.txt")
    for n, url in enumerate(articles):
        write(root, url, article_html(f"Article {n}", text))
    _SlowArticles.root = str(root)
    return articles


def test_a_crawl_stops_at_its_time_limit_and_keeps_what_it_fetched(tmp_path: Path) -> None:
    articles = _slow_mirror(tmp_path / "mirror")
    out = tmp_path / "out"
    with serving(_SlowArticles, quiet_errors=True) as server:
        # 4 at a time, a second each: 60 articles take 15 s; Scrapy stops asking at 2 s and lets the
        # requests already handed to its downloader (16 at most) finish
        done = run_crawl(out, server.url, env={"VEILLE_CRAWL_TIME_LIMIT": "2", "VEILLE_CONCURRENCY_PER_HOST": "4"})
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "time limit (2 s)" in (summary["error"] or "")
    fetched = {p["url"]: p for p in pages(out)}
    got = [url for url in articles if fetched.get(url, {}).get("status") == 200]
    assert 0 < len(got) < 40, len(got)


_RETRY_FLOW = """
import sys
from prefect import flow, task
from flows.daily import retry_unless_stuck
from pipeline import crawl_watch

attempts = {"stuck": 0, "crashed": 0}

@task(retries=1, retry_delay_seconds=0, retry_condition_fn=retry_unless_stuck)
def crawl(kind: str) -> None:
    attempts[kind] += 1
    raise crawl_watch.CrawlStuck("stopped") if kind == "stuck" else RuntimeError("crawl exited with status 1")

@flow
def run() -> None:
    for kind in attempts:
        try:
            crawl(kind)
        except Exception:
            pass

run()
print(attempts["stuck"], attempts["crashed"])
"""


def test_a_crawl_stopped_at_its_limit_is_not_retried_a_crashed_one_is(tmp_path: Path) -> None:
    """Real Prefect task runs with the flow's retry condition: a retry of a stuck crawl would hold up the
    run as long again."""
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_LOGGING_LEVEL": "CRITICAL"}
    done = subprocess.run([PYTHON, "-c", _RETRY_FLOW], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-2:] == ["1", "2"]


def _running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie left to a container's init that does not reap is not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_a_process_held_at_exit_leaves_with_its_status_and_its_stacks() -> None:
    # a thread that never ends keeps the interpreter from exiting, as a library's stuck exit hook would; the
    # child stands for the temporary Prefect server, which atexit would have stopped
    code = ("import subprocess, sys, threading, time; from pipeline import exitguard; "
            "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
            "exitguard.want(child.kill); "
            "threading.Thread(target=time.sleep, args=(600,), name='held').start(); "
            "exitguard.exit_within(1, 3); print('work done', child.pid, flush=True)")
    start = time.monotonic()
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 3 and time.monotonic() - start < 60
    assert "work done" in done.stdout
    assert "did not exit within 1 s" in done.stderr and "Thread 0x" in done.stderr
    child = int(done.stdout.split()[-1])
    deadline = time.monotonic() + 10
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(child)


def test_a_process_that_exits_is_not_held_by_the_guard() -> None:
    start = time.monotonic()
    done = subprocess.run([PYTHON, "-c", "from pipeline import exitguard; exitguard.exit_within(30, 3)"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "" and time.monotonic() - start < 25


def _start_slow_run(tmp_path: Path, server_url: str) -> tuple[subprocess.Popen[str], int]:
    """A real `veille run` of one source (`_slow_mirror`, its articles fetched one at a time, a second
    each); it is returned once its crawl process runs, with that process's id."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    env.update({"VEILLE_DB": str(tmp_path / "w.duckdb"), "VEILLE_WORK_DIR": str(tmp_path / "work"),
                "VEILLE_ARCHIVE_DIR": str(tmp_path / "archive"), "VEILLE_REPORTS_DIR": str(tmp_path / "reports"),
                "VEILLE_DOWNLOAD_DELAY": "0", "VEILLE_CONCURRENCY_PER_HOST": "1",
                "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    proc = start_veille(["run", "--mirror", server_url, "--sources", "xinhua-fr", "--as-of", "2026-01-10"], env)
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        crawls = [pid for pid, cmd in child_processes(proc.pid).items() if "spiders.crawl" in cmd]
        if crawls:
            return proc, crawls[0]
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"no crawl started; status {proc.poll()}: {proc.communicate()[1][-3000:]}")


def _gone(pid: int, within: float = 10) -> bool:
    deadline = time.monotonic() + within
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _running(pid)


def test_a_run_whose_prefect_server_dies_stops_with_a_message_and_its_crawls(tmp_path: Path) -> None:
    """Without the watcher such a run retried its Prefect calls for ever (seen waiting for a concurrency
    slot); now it stops within seconds, says why, and leaves no crawl process behind."""
    _slow_mirror(tmp_path / "mirror")
    with serving(_SlowArticles, quiet_errors=True) as server:
        proc, crawl = _start_slow_run(tmp_path, server.url)
        servers = [pid for pid, cmd in child_processes(proc.pid).items() if "uvicorn" in cmd]
        assert len(servers) == 1
        os.kill(servers[0], signal.SIGKILL)
        killed = time.monotonic()
        _, err = finish_veille(proc, timeout=120)
        took = time.monotonic() - killed
    assert proc.returncode == 1, err[-3000:]
    assert "the temporary Prefect server exited (status -9) during the run" in err
    assert took < 30, took
    assert _gone(crawl)


def test_ctrl_c_stops_a_run_as_interrupted_not_as_a_server_failure(tmp_path: Path) -> None:
    """Ctrl-C reaches the run's whole process group, the Prefect server included: the run ends as
    interrupted (130), and its crawl with it."""
    _slow_mirror(tmp_path / "mirror")
    with serving(_SlowArticles, quiet_errors=True) as server:
        proc, crawl = _start_slow_run(tmp_path, server.url)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = finish_veille(proc, timeout=120)
    assert proc.returncode == 130, err[-3000:]
    assert "veille: interrupted" in err and "server exited" not in err
    assert _gone(crawl)
