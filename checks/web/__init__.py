"""The web checks."""
