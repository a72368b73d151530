"""The mail checks."""
