"""The results cache (no torch): the column schema, the parquet file with its lock and atomic
merge, and :func:`efficiency.store.query.load_results`, the one way to read it."""
