"""Commands that start flows: run, demo, backfill, reprocess, serve (Prefect is imported lazily)."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.cli.common import BadInput, add_command, load_settings, parse_day
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.prefect_server import TemporaryServer


def _fetch_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mirror", metavar="URL", help="send every request to URL/HOST/PATH (replay mirror)")
    p.add_argument("--sources", metavar="ID,...", help="source ids (default: every enabled source)")


def prefect_environment(cfg: Settings) -> None:
    """Project-local Prefect home, no analytics, quiet logs — set before Prefect is imported."""
    os.environ.setdefault("PREFECT_HOME", str(Path(cfg.prefect_home).resolve()))
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


def flow_process(cfg: Settings) -> TemporaryServer | None:
    """Ready this process to run a flow: Prefect's environment, the settings for the crawl processes, and
    the temporary Prefect server unless one is configured (call before importing flows: it boots meanwhile)."""
    from pipeline import crawl_watch, exitguard, stackdump
    from pipeline.prefect_server import temporary_server

    stackdump.install()  # a run that seems stuck: `kill -USR1 PID` shows where
    exitguard.note_interrupts()  # Ctrl-C stops the temporary server too: not a failure of its own
    prefect_environment(cfg)
    os.environ.update({k: v for k, v in cfg.as_env().items() if k != "VEILLE_CONFIG"})
    server = temporary_server()
    # should the exit guard end the process, atexit does not stop the temporary server nor a crawl: it does
    exitguard.want(server.stop if server is not None else None)
    exitguard.want(crawl_watch.stop_all)
    return server


def _server_gone(what: str, server: str = "the temporary Prefect server") -> None:
    """The run's Prefect server is gone mid-run (`what` happened): the run cannot go on, so it ends now
    (the exit guard's cleanups stop the server, should it be this process's and still there, and the
    crawls), and says so."""
    from pipeline import exitguard

    if exitguard.interrupted():  # Ctrl-C reached the server too; without it Prefect would retry for ever
        exitguard.leave(130, "veille: interrupted. What was loaded is kept; run the command again to finish.")
    exitguard.leave(1, f"veille: {server} {what} during the run, and the run cannot go on without it: "
                       "stopping. What was loaded is kept; run the command again to finish (it fetches only "
                       "what is not stored yet).")


@contextmanager
def flow_settings(server: TemporaryServer | None = None) -> Iterator[None]:
    """Prefect settings for flow runs started by the CLI, on `server` when it is this process's own."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        get_current_settings,
        temporary_settings,
    )

    from pipeline.prefect_server import watch_configured

    configured = get_current_settings().api.url if server is None else None
    if configured:
        # a real server: heartbeats let it mark a run whose process died as crashed. Should it go away,
        # Prefect's client retries for minutes (a killed one failed a run after 274 s, in tracebacks) or
        # waits on a frozen one: it is watched, as a temporary one is
        stopping = threading.Event()
        watch_configured(configured.rstrip("/"), stopping,
                         functools.partial(_server_gone, server=f"the Prefect server at {configured}"))
        try:
            yield
        finally:
            stopping.set()  # the flow run is over: what becomes of the server is no longer this run's business
        return
    # A temporary server (ours or the one Prefect starts) lives and dies with this process: nobody
    # reads the heartbeats. And the engine waits for its heartbeat thread, which sleeps a second at
    # a time, at the end of every flow run: a trivial flow took 1.07 s with them, 0.10 s without.
    updates: dict[Any, Any] = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    if server is not None:
        updates[PREFECT_API_URL] = server.ready()  # its URL now, should it have moved to another port
        server.watch(_server_gone)
    with temporary_settings(updates=updates):
        yield


def prepare_places(cfg: Settings) -> None:
    """Make the directories a run writes to before anything starts; one that cannot be used is bad input."""
    from pipeline import places

    try:
        places.prepare(cfg)
    except places.PlaceError as exc:
        raise BadInput(str(exc)) from exc


def run_daily(cfg: Settings, args: argparse.Namespace, as_of: str | None, mirror: str | None,
              sources: str | None, backfill_days: int | None = None) -> dict[str, Any]:
    """One run of the daily flow (imports Prefect here, not at CLI start)."""
    prepare_places(cfg)
    server = flow_process(cfg)
    from pipeline import sources as sources_mod

    try:
        chosen = [s.id for s in sources_mod.select(sources or cfg.sources or None)]
    except KeyError as exc:
        raise BadInput(str(exc.args[0] if exc.args else exc)) from exc
    from flows.daily import backfill_flow, daily_flow

    config = getattr(args, "config", None)
    use_mirror = mirror or cfg.mirror or None
    with flow_settings(server):
        if backfill_days:
            done: dict[str, Any] = backfill_flow(days=backfill_days, as_of=as_of, sources=chosen, mirror=use_mirror,
                                                 config=config, db=cfg.db)
        else:
            done = daily_flow(as_of=as_of, sources=chosen, mirror=use_mirror, config=config, db=cfg.db)
    return done


def cmd_run(args: argparse.Namespace) -> int:
    cfg = load_settings(args, mirror=args.mirror)
    result = run_daily(cfg, args, args.as_of, args.mirror, args.sources, getattr(args, "days", None))
    failed = [s for s in result["sources"] if s.get("error")]
    print(f"warehouse: {result['db']}")
    for path in result["reports"]:
        print(f"report: {path}")
    return 1 if failed and len(failed) == len(result["sources"]) else 0


def cmd_demo(args: argparse.Namespace) -> int:
    cfg = load_settings(args)
    from pipeline.mirror import serve_mirror

    root = Path(str(resources.files("pipeline"))) / "demo_mirror"
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    # a loopback mirror: no need to wait between requests as one would on the real sites
    os.environ.setdefault("VEILLE_DOWNLOAD_DELAY", "0")
    cfg = cfg.with_overrides(download_delay=os.environ["VEILLE_DOWNLOAD_DELAY"])
    reports: list[str] = []
    for day in sorted(manifest["days"], key=int):
        info = manifest["days"][day]
        with serve_mirror(root / f"day{day}") as server:
            print(f"== day {day} ({info['as_of']}): mirror {server.url}", flush=True)
            result = run_daily(cfg, args, info["as_of"], server.url, ",".join(sorted(info["sources"])))
        reports += result["reports"]
    print(f"\nwarehouse: {Path(cfg.db).resolve()}")
    print("articles per source:")
    from pipeline import warehouse

    with warehouse.read(cfg.db, cfg.read_wait) as con:
        for source_id, count in con.execute(
                "SELECT source_id, count(*) FROM articles GROUP BY 1 ORDER BY 1").fetchall():
            print(f"  {source_id:15} {count}")
    for path in reports:
        print(f"report: {Path(path).resolve()}")
    print(f'try: veille query --db {cfg.db} "select source_id, title from articles limit 5"')
    return 0


# How long `veille serve` may take to shut down once its Prefect server is gone (Prefect's shutdown asks
# the dead API to pause the schedules) before it is ended all the same.
SERVE_SHUTDOWN_SECONDS = 30.0


def cmd_serve(args: argparse.Namespace) -> int:
    import _thread
    import time

    from pipeline import exitguard
    from pipeline.prefect_server import local_server, set_concurrency_limit

    cfg = load_settings(args)
    prefect_environment(cfg)
    gone: list[str] = []

    def server_gone(what: str) -> None:
        # from the watcher thread: serving without a server would retry for ever, so serve stops (a
        # service manager can start it again) the way Ctrl-C stops it, or is ended if that takes too long
        gone.append(f"veille: the local Prefect server {what}: veille serve stops (start it again; a service "
                    "manager can do that)")
        _thread.interrupt_main()
        time.sleep(SERVE_SHUTDOWN_SECONDS)  # a process that left in time takes this thread with it
        exitguard.leave(1, f"{gone[0]}; its shutdown took over {SERVE_SHUTDOWN_SECONDS:.0f} s")

    try:
        with local_server(args.port, on_gone=server_gone) as api:
            print(f"Prefect API: {api}", flush=True)
            if not set_concurrency_limit(api, "veille-warehouse", 1):
                print("veille: warning: could not set the one-writer limit (tag veille-warehouse) on the Prefect "
                      "server; set it with `prefect concurrency-limit create veille-warehouse 1`", file=sys.stderr)
            from flows.serve import serve_all

            serve_all(cfg, getattr(args, "config", None))  # returns on Ctrl-C (KeyboardInterrupt)
    except KeyboardInterrupt:
        if not gone:
            raise
    if gone:
        print(gone[0], file=sys.stderr)
        return 1
    return 0


def cmd_reprocess(args: argparse.Namespace) -> int:
    from pipeline.reprocess import reprocess

    cfg = load_settings(args)
    print(reprocess(cfg, parse_day(args.since, "--since")).line())
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_command(sub, "demo", "run the whole pipeline offline on the bundled two-day demo mirror",
                "veille demo", cmd_demo)

    p = add_command(sub, "run", "one daily run: crawl what is new, clean, tag, group, load, report",
                    "veille run --sources xinhua-fr,sputnik-fr --as-of 2026-01-02", cmd_run)
    _fetch_flags(p)
    p.add_argument("--as-of", metavar="DATE", help="pretend the run happens on DATE (YYYY-MM-DD)")

    p = add_command(sub, "backfill", "walk sitemaps and listings back N days",
                    "veille backfill --days 30 --sources xinhua-en", cmd_run)
    _fetch_flags(p)
    p.add_argument("--days", type=int, required=True)
    p.add_argument("--as-of", metavar="DATE", help="the last day of the window (default: today)")

    p = add_command(sub, "reprocess", "rebuild articles from the WARC archive (no network)",
                    "veille reprocess --since 2026-01-01", cmd_reprocess)
    p.add_argument("--since", metavar="DATE")

    p = add_command(sub, "serve", "serve the scheduled deployments (starts a local Prefect server if none is set)",
                    "veille serve --port 4200", cmd_serve)
    p.add_argument("--port", type=int, default=4200, help="port of the local Prefect server (127.0.0.1)")
