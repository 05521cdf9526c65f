"""harden review: a run's branch commit by commit, and the commits kept on a new branch.

``runs`` finds the run (its report.json) behind a branch; ``entries`` reads each commit with
its findings and evidence; ``choice`` turns ``--keep``/``--drop`` into the kept commits;
``write`` cherry-picks them (or squashes them) onto a new branch in a worktree and re-runs
the tests there; ``prbody`` is the pull-request body for what is kept; ``screen`` shows one
commit per screen for the interactive review.
"""
