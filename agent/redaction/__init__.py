"""Secrets found in code, replaced by placeholders before text leaves the machine, and restored
only where they stood.
"""
