"""Notes API: a tiny Flask app for personal notes (prototype)."""

__version__ = "0.1.0"
