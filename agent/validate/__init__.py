"""The validation funnel a patch goes through, cheapest stage first, and the policy on what a patch
may touch.
"""
