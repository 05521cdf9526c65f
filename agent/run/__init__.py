"""A run: the pipeline (scan, fix, validate, commit, report), its model phase, the worklist, the
journal, and ``harden plan``.
"""
