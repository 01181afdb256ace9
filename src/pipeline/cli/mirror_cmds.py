"""`veille mirror serve` and `veille mirror record`."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from pipeline.cli.common import BadInput, add_command, load_settings


def cmd_mirror(args: argparse.Namespace) -> int:
    raise BadInput("veille mirror: say what to do, e.g. `veille mirror serve ./mirror --port 8000`")


def cmd_serve(args: argparse.Namespace) -> int:
    from pipeline.mirror import serve_mirror

    root = Path(args.dir)
    if not root.is_dir():
        raise BadInput(f"mirror directory not found: {root}")
    try:
        server = serve_mirror(root, args.port)
    except OSError as exc:
        raise BadInput(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}") from exc
    print(f"serving {root.resolve()} at {server.url} (Ctrl-C stops)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    from pipeline.mirror_record import record

    cfg = load_settings(args)
    user_agent = f"{cfg.user_agent} {cfg.contact}".strip() if cfg.contact else cfg.user_agent
    out = Path(args.out)
    done = record(args.urls, out, user_agent, depth=args.depth, timeout=float(cfg.download_timeout))
    for item in done:
        if item.error:
            print(f"{item.url}: not saved ({item.error})", file=sys.stderr)
        else:
            print(f"{item.url} -> {item.path} ({item.bytes} bytes)")
    saved = sum(1 for item in done if not item.error)
    print(f"saved {saved} of {len(done)} URL(s) under {out}", file=sys.stderr)
    # nothing saved is bad input (wrong URLs or no network); a partial recording still succeeded
    return 0 if saved else 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "mirror", "serve a replay mirror (HOST/PATH layout) on loopback, or record one",
                    "veille mirror serve ./mirror --port 8000", cmd_mirror)
    msub = p.add_subparsers(dest="mirror_command", metavar="ACTION")
    s = add_command(msub, "serve", "serve DIR as a mirror on 127.0.0.1", "veille mirror serve ./mirror --port 8000",
                    cmd_serve)
    s.add_argument("dir")
    s.add_argument("--port", type=int, default=0, help="0 picks a free port")
    r = add_command(msub, "record", "fetch live URLs and save them as DIR/HOST/PATH (index.html for paths ending "
                    "in /), so fixtures can be refreshed from the real sites; sends the User-Agent setting; this is "
                    "an explicit request, so unlike the crawler it does not refuse private or loopback addresses",
                    "veille mirror record http://en.people.cn/rss/90000.xml --out ./mirror --depth 1", cmd_record)
    r.add_argument("urls", nargs="+", metavar="URL")
    r.add_argument("--out", required=True, metavar="DIR", help="mirror directory (created when missing)")
    r.add_argument("--depth", type=int, choices=(0, 1), default=0,
                   help="1 also saves the same-host links of each page (feed items, sitemap entries, page links)")
