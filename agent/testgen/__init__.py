"""The tests priority: find public functions no test reaches, have tests written, keep
only the tests that earn it.

- `coverage_targets`: the repo's suite under coverage.py at the base -> ``HT101`` findings,
  ranked by risk (touched by other priorities' findings, request handlers, the rest);
- `generated_test_writer`: the run's model fixer with the ``fix/tests`` prompt and a chunk
  that shows the function, its import line and an example test; it plugs into the model phase;
- `check_generated_test`: the funnel's generated-test stage (3 runs, coverage gain, fails
  on the pre-patch code when it comes with a fix);
- `fate_of`: each generated test's fate, read from its patch's verdict, for the report.
"""

from __future__ import annotations

from agent.testgen.checks import RUNS, GeneratedTestRunner, check_generated_test
from agent.testgen.coverage_targets import TARGET_RULE, CoverageTargets, coverage_targets
from agent.testgen.fates import FATES, fate_of
from agent.testgen.phase import TESTS_PROMPT, GeneratedTestWriter, generated_test_writer

__all__ = [
    "FATES",
    "RUNS",
    "TARGET_RULE",
    "TESTS_PROMPT",
    "CoverageTargets",
    "GeneratedTestRunner",
    "GeneratedTestWriter",
    "check_generated_test",
    "coverage_targets",
    "fate_of",
    "generated_test_writer",
]
