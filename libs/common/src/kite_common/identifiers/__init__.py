"""Checks for the public identifiers Kite takes in (pure, no I/O)."""
