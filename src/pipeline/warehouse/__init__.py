"""The DuckDB warehouse: the only package that opens DuckDB connections."""

from pipeline.warehouse.connection import WarehouseBusy, WarehouseMissing, holder, log_path, read, write
from pipeline.warehouse.load import merge_batch, merge_rows
from pipeline.warehouse.migrations import migrate, schema_version
from pipeline.warehouse.state import recent_articles, refresh_stories, seen_urls, validators

__all__ = ["WarehouseBusy", "WarehouseMissing", "holder", "log_path", "merge_batch", "merge_rows", "migrate", "read",
           "recent_articles", "refresh_stories", "schema_version", "seen_urls", "validators", "write"]
