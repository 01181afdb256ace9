"""The dependency rule: the library modules of `pipeline` import neither Scrapy nor Prefect."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pipeline

PROBE = """
import importlib, pkgutil, sys
import pipeline
names = [m.name for m in pkgutil.walk_packages(pipeline.__path__, "pipeline.")
         if not m.name.startswith("pipeline.demo_mirror")]
for name in names:
    if name != "pipeline.__main__":
        importlib.import_module(name)
bad = sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in ("scrapy", "prefect", "twisted")})
print(",".join(bad))
"""


def test_library_imports_neither_scrapy_nor_prefect() -> None:
    modules = [m.name for m in pkgutil.walk_packages(pipeline.__path__, "pipeline.")]
    assert "pipeline.cli" in modules and "pipeline.warehouse" in modules
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", f"library modules pulled in: {done.stdout.strip()}"
