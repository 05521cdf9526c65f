"""What a patch may change: which paths, what content, which dependencies; tests and CI stay
untouched.
"""
