"""Tests of the `flick` command line."""
