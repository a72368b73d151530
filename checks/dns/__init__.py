"""The dns checks."""
