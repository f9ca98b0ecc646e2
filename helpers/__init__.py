"""Tested helpers for the concurrency course; each module says which notebook introduces it."""
