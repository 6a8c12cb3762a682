"""Settings, URL wiring and process entry points shared by both roles."""
