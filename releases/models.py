"""Models of the releases app (fleshed out by its own issue)."""
