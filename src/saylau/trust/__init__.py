"""Trust: commission accounts, authenticated submission, double entry, certification,
the audit hash chain and signed publication (issue #5; see docs/trust.md).

Modules: ``accounts`` (roles, scopes, tokens), ``audit`` (hash chain),
``signing`` (Ed25519), ``workflow`` (submission, double entry, approval,
certification), ``integrity`` (database cross-checks), ``api`` (FastAPI router).
"""
