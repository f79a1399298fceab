"""Models of the security app (fleshed out by its own issue)."""
