"""One module per role (`clinic`, `directory`) over a shared `base`."""
