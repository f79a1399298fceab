"""Models of the incidents app (fleshed out by its own issue)."""
