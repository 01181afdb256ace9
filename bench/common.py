"""Shared pieces of the benchmarks: machine description, result rows, timing, child-process runs."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
DEFAULT_SHARED = Path("/work/shared")


@dataclass
class Row:
    """One line of the table: a measurement, its baseline, their ratio, and the goal verdict."""

    group: str
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    ratio: float
    goal: str = ""
    met: bool | None = None             # None: no goal for this row
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def cpu_model() -> str:
    """The CPU model as the kernel reports it (falls back to platform.processor())."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """Date, CPU and core count: every table says where and when it was measured."""
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "cpu": cpu_model(),
            "cores": os.cpu_count() or 0, "python": platform.python_version(),
            "platform": platform.platform()}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call, on the monotonic performance clock."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    """Fastest of `repeat` calls in seconds (the least disturbed by other load on the machine)."""
    return min(timed(fn)[0] for _ in range(max(repeat, 1)))


def warm_story_reading() -> None:
    """Load what story grouping loads on first use before any timed region.

    The sketches' hash family and the CC-CEDICT dictionary Chinese editions are glossed with
    (~0.3 s): once per process, like the language models, so not part of a per-article figure.
    """
    import numpy as np

    from pipeline.story_reading import minhash_values
    from pipeline.translation_gloss import chinese_keys

    minhash_values(np.arange(8, dtype=np.uint32))
    chinese_keys("数字经济")


def tree_rss_kb(root_pid: int, include_root: bool = True) -> int:
    """Resident memory of a process and all its descendants (kB), from /proc; without the root's own if asked."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="utf-8") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        parents[int(entry)] = int(fields.get("PPid", "0").strip() or 0)
        rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(rss.get(p, 0) for p in tree if include_root or p != root_pid)


def peak_rss_mb() -> dict[str, float]:
    """Peak resident set size of this process and of its largest waited-for child, in MiB (Linux: KiB units)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"self_mb": round(own, 1), "children_mb": round(children, 1)}


def run_child(script: str, args: list[str], timeout: float) -> dict[str, Any]:
    """Run a bench script in a fresh interpreter; it prints one JSON object as its last stdout line."""
    cmd = [sys.executable, str(BENCH_DIR / script), *args]
    print(f"$ {' '.join(cmd)}", file=sys.stderr, flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{script} {' '.join(args)} exited {done.returncode}: "
                           f"{done.stderr.strip().splitlines()[-1:] or ['(no output)']}")
    lines = [ln for ln in done.stdout.splitlines() if ln.strip()]
    data: dict[str, Any] = json.loads(lines[-1])
    return data


def emit(data: dict[str, Any]) -> None:
    """Hand a child's results to the runner: one JSON line on stdout."""
    print(json.dumps(data, ensure_ascii=False), flush=True)


def _fmt(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def render_table(info: dict[str, Any], rows: list[Row], missing: list[str]) -> str:
    """The one table `make bench` prints."""
    head = (f"veille benchmarks — {info['date']} — {info['cpu']}, {info['cores']} cores, "
            f"Python {info['python']}")
    cols = ["group", "measure", "value", "baseline (same run)", "ratio", "goal", "status"]
    body = []
    for r in rows:
        status = "-" if r.met is None else ("ok" if r.met else "NOT MET")
        body.append([r.group, r.name, f"{_fmt(r.value)} {r.unit}",
                     f"{r.baseline_name}: {_fmt(r.baseline)} {r.unit}" if r.baseline_name else "(is the baseline)",
                     f"{r.ratio:.2f}x", r.goal or "-", status])
    widths = [max(len(c), *(len(b[i]) for b in body)) if body else len(c) for i, c in enumerate(cols)]
    line = "  ".join("-" * w for w in widths)
    out = [head, line, "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)) for b in body]
    out.append(line)
    notes = [f"  {r.group}/{r.name}: {r.note}" for r in rows if r.note]
    if notes:
        out += ["notes:", *notes]
    failed = [f"  {r.group}/{r.name}: {r.goal}" for r in rows if r.met is False]
    if failed:
        out += ["GOALS NOT MET:", *failed]
    if missing:
        out += ["not measured:", *(f"  {m}" for m in missing)]
    return "\n".join(out)


def write_json(info: dict[str, Any], rows: list[Row], missing: list[str], extra: dict[str, Any]) -> Path:
    """bench/results/bench-<date>.json with the machine, rows and raw child results."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"bench-{info['date'][:10]}.json"
    payload = {"machine": info, "rows": [asdict(r) for r in rows], "missing": missing, "raw": extra}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
