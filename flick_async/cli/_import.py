"""`flick import letterboxd` (in progress)."""
