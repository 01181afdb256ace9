"""Where the SQL files live: inside the wheel, or in the repo's warehouse/ folder."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def sql_dir() -> Path:
    """The folder holding `migrations/` and `queries/` (packaged copy first, then the checkout)."""
    packaged = Path(str(resources.files("pipeline"))) / "sql"
    if (packaged / "migrations").is_dir():
        return packaged
    # editable install or a plain checkout: src/pipeline/warehouse/sql.py -> <repo>/warehouse
    checkout = Path(__file__).resolve().parents[3] / "warehouse"
    if (checkout / "migrations").is_dir():
        return checkout
    raise FileNotFoundError("warehouse SQL not found (neither packaged nor in the checkout)")


def query_text(name: str) -> str:
    """The text of a named query in warehouse/queries/."""
    return (sql_dir() / "queries" / f"{name}.sql").read_text(encoding="utf-8")
