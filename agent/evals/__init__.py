"""`harden eval`: cases, runs of prompt versions over them, scores and comparisons."""
