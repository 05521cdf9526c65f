"""Running the user's (untrusted) tests: confinement, the launcher, the suite command, the
baseline, dependency envs, and judging a run by its per-test outcomes.
"""
