"""devidp: a small OpenID Connect provider for esafety's tests and demo. Never for production.

A standalone Django project (not part of the esafety package) built on django-oauth-toolkit's
OpenID Connect support. Start it with ``python -m devidp --help``; see devidp/README.md.
"""
