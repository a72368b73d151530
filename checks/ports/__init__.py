"""The ports checks."""
