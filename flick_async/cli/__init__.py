"""The `flick` command line (install the `cli` extra)."""
