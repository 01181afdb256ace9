"""`veille mirror serve`."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from pipeline.cli.common import BadInput, add_command


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


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "mirror", "serve a replay mirror (HOST/PATH layout) on loopback",
                    "veille mirror serve ./mirror --port 8000", cmd_mirror)
    msub = p.add_subparsers(dest="mirror_command", metavar="ACTION")
    s = add_command(msub, "serve", "serve DIR as a mirror on 127.0.0.1", "veille mirror serve ./mirror --port 8000",
                    cmd_serve)
    s.add_argument("dir")
    s.add_argument("--port", type=int, default=0, help="0 picks a free port")
