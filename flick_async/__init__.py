"""flick-async: the async-first Python SDK for the Flick API (beta)."""

__all__: list[str] = []
