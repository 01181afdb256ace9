"""Prefect flows: thin wrappers over pipeline functions."""
