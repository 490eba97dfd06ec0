"""Suites and run specs: schema, validation, loading."""
