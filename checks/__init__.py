"""Security posture checks: mail authentication, DNS, TLS, HTTPS and exposed services.

A pure library: it knows nothing of Flask or the database (DESIGN §2, §6). `checks.registry` lists the
checks, `checks.runner` runs them over many targets, `checks.base.CheckResult.to_json` is the contract.
"""
