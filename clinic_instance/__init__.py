"""The clinic instance: a practice's own booking server."""
