"""`make bench`: figures for the sync and the pages, one `name: value` line each."""
