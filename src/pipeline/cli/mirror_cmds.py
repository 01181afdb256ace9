"""`veille mirror serve`."""

from __future__ import annotations

import argparse

from pipeline.cli.common import add_command, not_implemented


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "mirror", "serve a replay mirror (HOST/PATH layout) on loopback",
                    "veille mirror serve ./mirror --port 8000", not_implemented)
    msub = p.add_subparsers(dest="mirror_command", metavar="ACTION")
    s = add_command(msub, "serve", "serve DIR as a mirror on 127.0.0.1", "veille mirror serve ./mirror --port 8000",
                    not_implemented)
    s.add_argument("dir")
    s.add_argument("--port", type=int, default=0, help="0 picks a free port")
