"""The DuckDB warehouse: the only package that opens DuckDB connections."""

from pipeline.warehouse.connection import WarehouseBusy, WarehouseMissing, holder, read, write
from pipeline.warehouse.load import merge_batch, merge_rows
from pipeline.warehouse.migrations import migrate, schema_version

__all__ = ["WarehouseBusy", "WarehouseMissing", "holder", "merge_batch", "merge_rows", "migrate", "read",
           "schema_version", "write"]
