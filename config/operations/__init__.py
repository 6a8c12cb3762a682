"""Running a node in production, for both roles: health and readiness, metrics, backups and restores.

An app (label `operations`) so that its management commands exist on a clinic instance and on a
directory alike; it holds no model and imports neither role's models at import time.
"""
