"""`veille doctor`."""

from __future__ import annotations

import argparse

from pipeline.cli.common import add_command, load_settings


def cmd_doctor(args: argparse.Namespace) -> int:
    from pipeline.doctor import run_checks

    cfg = load_settings(args, mirror=args.mirror)
    problems = 0
    for check in run_checks(cfg):
        print(f"{check.level.upper():7} {check.name}: {check.message}" + (f"\n        → {check.fix}" if check.fix else ""))
        problems += check.level == "error"
    return 1 if problems else 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_command(sub, "doctor", "check configuration, warehouse, sources and the Prefect API",
                "veille doctor --mirror http://127.0.0.1:8000", cmd_doctor).add_argument("--mirror")
