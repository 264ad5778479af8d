"""pytest fixtures for the local Flick server (filled in by the local-server work)."""
