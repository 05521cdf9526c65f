"""The user's repository through git: refs, commits, worktrees, and what a worktree needs from the
checkout.
"""
