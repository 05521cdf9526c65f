"""``harden eval``: variants x cases x samples -> scores, comparison, files; the exit code.

0: no regression; 1: a metric regressed past its threshold (``[tool.harden.eval]``);
2: the eval could not run (an ``EvalError``: bad arguments, no cases, a missing cassette,
a provider's permanent error, the budget spent). --bless writes each candidate's run as
its baseline, only once the whole eval ran.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from agent.errors import HardenError
from agent.evals.case import Case, load_cases
from agent.evals.cassettes import CassetteMode, cassette_path, use_cassette
from agent.evals.compare import Comparison, compare, load_thresholds
from agent.evals.errors import EvalError, MissingCassette
from agent.evals.fixers import BuiltinFixer, LlmCaseFixer
from agent.evals.model_kit import LlmKit, estimate, open_kit
from agent.evals.report import EvalResult, write_outputs
from agent.evals.results import EvalRun
from agent.evals.runner import SampleEnv, run_sample
from agent.evals.scoring import CaseScore, SampleScore
from agent.evals.table import print_result
from agent.evals.variants import Variant, baseline_file, blessed_baseline, load_run, make_variant
from agent.report.console import echo
from agent.report.console import err as _err
from agent.report.console import out as _out
from agent.sandbox.suite import resolve_python

__all__ = ["EvalOptions", "eval_action"]


class EvalOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    project: Path  # where pyproject.toml ([tool.harden.eval]) and evals/ are
    cases_dir: Path
    out: Path
    baselines_dir: Path
    cassettes_dir: Path
    prompts_root: Path | None = None
    prompts: tuple[str, ...] = ()
    baseline: str | None = None
    model: str = "builtin"
    base_url: str | None = None
    samples: int = Field(default=1, ge=1)
    cases: tuple[str, ...] = ()
    priority: str | None = None
    cassettes: CassetteMode = "off"
    bless: bool = False
    budget: float | None = None
    jobs: int = Field(default=1, ge=1)
    python: str | None = None
    test_timeout: float = 120.0
    json_output: bool = False


def eval_action(options: EvalOptions) -> int:
    try:
        evaluation = _Eval(options)
        with evaluation.resources:  # the model kit's ledger, closed on every path
            return evaluation.run()
    except EvalError:
        raise
    except HardenError as exc:  # a bad case, prompt or setting: the eval cannot run
        raise EvalError(exc.message) from exc


class _Eval:
    def __init__(self, options: EvalOptions) -> None:
        self.options = options
        self.stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        self.env = SampleEnv(resolve_python(options.python), options.test_timeout)
        self.kit: LlmKit | None = None
        self.resources = contextlib.ExitStack()

    def run(self) -> int:
        started, start = datetime.now(UTC).isoformat(timespec="seconds"), time.monotonic()
        cases = self._cases()
        candidates, baseline = self._variants()
        self._prepare([*candidates, *([baseline] if baseline else [])], cases)
        base_run = self._run_variant(baseline, cases) if baseline else None
        runs = [self._run_variant(v, cases) for v in candidates]
        comparisons, notes = self._compare(runs, candidates, base_run)
        result = EvalResult(
            stamp=self.stamp,
            started_at=started,
            duration_s=round(time.monotonic() - start, 2),
            runs=tuple([*([base_run] if base_run else []), *runs]),
            comparisons=tuple(comparisons),
            notes=tuple(notes),
        )
        self._show(result)
        if self.options.bless:
            self._bless(runs)
        return 1 if result.regressions else 0

    def _cases(self) -> list[Case]:
        if not self.options.cases_dir.is_dir():
            raise EvalError(
                f"no eval cases: {self.options.cases_dir} does not exist (see --cases-dir)"
            )
        cases = load_cases(self.options.cases_dir, self.options.cases)
        cases = [c for c in cases if self.options.priority in (None, c.priority.value)]
        if not cases:
            raise EvalError(f"no eval cases selected in {self.options.cases_dir}")
        return cases

    def _variants(self) -> tuple[list[Variant], Variant | None]:
        opts = self.options
        if opts.model == "builtin" and opts.prompts:
            raise EvalError("--prompt needs a model: pass --model provider/name")
        refs: Sequence[str | None] = opts.prompts or [None]
        candidates = [make_variant(opts.model, ref, opts.prompts_root) for ref in refs]
        if opts.baseline is None or opts.baseline.endswith(".json"):
            return candidates, None
        return candidates, make_variant(opts.model, opts.baseline, opts.prompts_root)

    def _prepare(self, variants: Sequence[Variant], cases: Sequence[Case]) -> None:
        """Build the model's client kit and show the cost estimate, before any call."""
        if all(v.is_builtin for v in variants):
            return
        opts = self.options
        self.kit = self.resources.enter_context(
            open_kit(opts.model, opts.base_url, opts.budget, opts.cassettes, f"eval-{self.stamp}")
        )
        pairs = [(c, p) for v in variants for c in cases if v.runs_on(c) and (p := v.prompt_for(c))]
        _err.print(estimate(opts.model, pairs, opts.samples, self.kit.pricing).line(opts.samples))

    def _run_variant(self, variant: Variant, cases: Sequence[Case]) -> EvalRun:
        chosen = [c for c in cases if variant.runs_on(c)]
        tasks = [(c, k) for c in chosen for k in range(self.options.samples)]
        jobs = 1 if self.options.cassettes != "off" else min(self.options.jobs, len(tasks) or 1)
        _err.print(f"eval: {variant.label} ({variant.model}): {len(tasks)} sample(s)")
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="harden-eval") as pool:
            scores = list(pool.map(lambda t: self._sample(variant, *t), tasks))
        by_case = [
            CaseScore(case_id=c.id, priority=c.priority.value, samples=_of(scores, c.id))
            for c in chosen
        ]
        prompts = {c.priority.value: _prompt_name(variant, c) for c in chosen}
        return EvalRun(
            label=variant.label,
            model=variant.model,
            prompts={k: v for k, v in prompts.items() if v},
            samples=self.options.samples,
            cases=tuple(by_case),
        )

    def _sample(self, variant: Variant, case: Case, k: int) -> SampleScore:
        if variant.is_builtin or self.kit is None:
            return run_sample(case, BuiltinFixer(), k, self.env)
        prompt = variant.prompt_for(case)
        if prompt is None:
            return _no_prompt(case, k, variant)
        fixer = self.kit.fixer(prompt, k)
        path = cassette_path(self.options.cassettes_dir, prompt, variant.model, case.id, k)
        with use_cassette(path, self.options.cassettes):
            score = run_sample(case, fixer, k, self.env)
        if self.options.cassettes == "replay":
            _check_replayed(fixer, path)
        return score

    def _compare(
        self, runs: Sequence[EvalRun], variants: Sequence[Variant], base: EvalRun | None
    ) -> tuple[list[Comparison], list[str]]:
        limits = load_thresholds(self.options.project)
        comparisons: list[Comparison] = []
        notes: list[str] = []
        for run, variant in zip(runs, variants, strict=True):
            baseline = base or self._blessed(variant, notes)
            if baseline is not None:
                comparisons.append(compare(baseline, run, limits))
        return comparisons, notes

    def _blessed(self, variant: Variant, notes: list[str]) -> EvalRun | None:
        if self.options.baseline is not None:  # a result file given with --baseline
            return load_run(Path(self.options.baseline))
        path = blessed_baseline(self.options.baselines_dir, variant)
        if path is None:
            notes.append(f"no blessed baseline for {variant.label} on {variant.model}")
            return None
        return load_run(path)

    def _show(self, result: EvalResult) -> None:
        files = write_outputs(result, self.options.out)
        if self.options.json_output:
            echo(result.model_dump_json(indent=2))
        else:
            print_result(result, _out)
        for note in result.notes:
            _err.print(f"note: {note}")
        _err.print(f"results: {', '.join(str(f) for f in files)}")

    def _bless(self, runs: Sequence[EvalRun]) -> None:
        for run in runs:
            path = baseline_file(self.options.baselines_dir, run.label, run.model)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(run.model_dump_json(indent=2) + "\n", encoding="utf-8")
            _err.print(f"blessed: {path}")


def _of(scores: Sequence[SampleScore], case_id: str) -> tuple[SampleScore, ...]:
    return tuple(s for s in scores if s.case_id == case_id)


def _prompt_name(variant: Variant, case: Case) -> str:
    prompt = variant.prompt_for(case)
    return f"{prompt.ref} {prompt.content_hash[:8]}" if prompt else ""


def _no_prompt(case: Case, k: int, variant: Variant) -> SampleScore:
    return SampleScore(
        case_id=case.id,
        priority=case.priority.value,
        sample=k,
        fixer=f"{variant.label} via {variant.model}",
        resolved=False,
        reason=f"patch: no prompt fix/{case.priority.value}",
        checks={},
    )


def _check_replayed(fixer: LlmCaseFixer, path: Path) -> None:
    """A replayed call that failed found no recording of its request in the cassette."""
    failed = [r for r in fixer.client.results if r.outcome.is_error]
    if failed:
        raise MissingCassette(
            f"the cassette {path} has no recording of a request this replay made "
            "(the case or harden changed since it was recorded); record it again with --record"
        )
