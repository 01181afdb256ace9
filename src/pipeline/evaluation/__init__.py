"""Quality evaluations behind `veille eval` (each module: run(data, out, quick) -> table)."""
