"""harden: scan, fix, validate and commit production hardening for Python repositories."""

__version__ = "0.1.0"
