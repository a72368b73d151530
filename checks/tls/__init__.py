"""The tls checks."""
