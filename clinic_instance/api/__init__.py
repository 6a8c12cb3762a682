"""The clinic's public JSON API (v1), anonymous; described at /api/schema/."""
