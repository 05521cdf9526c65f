"""One module per CLI verb: what the command does between click's parsing and the work."""
