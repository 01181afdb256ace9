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


HEAVY = """
import importlib, sys
for name in sys.argv[1].split(","):
    importlib.import_module(name)
print(",".join(sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[2].split(",")))))
"""


def _pulled_in(modules: str, heavy: str) -> str:
    done = subprocess.run([sys.executable, "-c", HEAVY, modules, heavy], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_crawl_processes_do_not_load_the_extraction_libraries() -> None:
    # five crawl processes run beside the run's own process: each library they load counts five times
    # in the run's memory, and they only fetch and archive
    found = _pulled_in("spiders.crawl,spiders.source,spiders.pipelines,spiders.middlewares,spiders.settings",
                       "trafilatura,htmldate,justext,lingua,langdetect,datasketch,scipy,duckdb,pyarrow")
    assert found == ""


def test_the_run_loads_story_sketching_only_when_it_groups_stories() -> None:
    # datasketch brings SciPy (~43 MB): not wanted in the run's process while the crawls are running
    assert _pulled_in("flows.daily,pipeline.daily,pipeline.process,pipeline.stories", "datasketch,scipy") == ""
