"""What an eval runs: variants (the builtin engine, or a prompt version on a model), and
the blessed baselines they are compared with when no --baseline is run beside them.

A prompt named after a priority (``fix/security``) runs on that priority's cases only; the
default, ``fix/<priority>``, takes the latest version of each case's priority.
Blessed files: ``evals/baselines/builtin.json`` and ``<prompt>@v<N>__<model>.json``
(``/`` written as ``-``); without one for the exact version, the latest blessed version
before it is the baseline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from agent.evals.case import Case
from agent.evals.errors import EvalError
from agent.evals.results import BUILTIN, EvalRun
from agent.llm.prompts import PromptError, PromptVersion, load_prompt
from agent.models import Priority

__all__ = ["DEFAULT_PROMPT", "Variant", "baseline_file", "load_run", "make_variant"]

DEFAULT_PROMPT = "fix/<priority>"


@dataclass(frozen=True)
class Variant:
    label: str
    model: str
    prompt: PromptVersion | None = None  # None: builtin, or the default per priority
    prompts_root: Path | None = None

    @property
    def is_builtin(self) -> bool:
        return self.model == BUILTIN

    def runs_on(self, case: Case) -> bool:
        if self.prompt is None:
            return True
        name = self.prompt.id.rpartition("/")[2]
        return name not in set(Priority) or name == case.priority.value

    def prompt_for(self, case: Case) -> PromptVersion | None:
        if self.is_builtin or self.prompt is not None:
            return self.prompt
        try:
            return load_prompt(f"fix/{case.priority.value}", self.prompts_root)
        except PromptError:
            return None


def make_variant(model: str, prompt: str | None, prompts_root: Path | None) -> Variant:
    if model == BUILTIN:
        return Variant(label=BUILTIN, model=BUILTIN)
    if prompt is None or prompt == DEFAULT_PROMPT:
        return Variant(label=DEFAULT_PROMPT, model=model, prompts_root=prompts_root)
    try:
        version = load_prompt(prompt, prompts_root)
    except PromptError as exc:
        raise EvalError(exc.message) from exc
    return Variant(label=str(version.ref), model=model, prompt=version, prompts_root=prompts_root)


def baseline_file(root: Path, label: str, model: str) -> Path:
    """Where the blessed run of this variant lives."""
    if model == BUILTIN:
        return root / "builtin.json"
    return root / f"{_slug(label)}__{_slug(model)}.json"


def blessed_baseline(root: Path, variant: Variant) -> Path | None:
    """The exact blessed file, else the latest blessed earlier version of the prompt."""
    exact = baseline_file(root, variant.label, variant.model)
    if exact.is_file() or variant.prompt is None:
        return exact if exact.is_file() else None
    stem = _slug(variant.prompt.id)
    pattern = re.compile(rf"^{re.escape(stem)}@v(\d+)__{re.escape(_slug(variant.model))}\.json$")
    earlier = [
        (int(m[1]), path)
        for path in root.glob("*.json")
        if (m := pattern.match(path.name)) and int(m[1]) < variant.prompt.version
    ]
    return max(earlier)[1] if earlier else None


def load_run(path: Path) -> EvalRun:
    try:
        return EvalRun.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvalError(f"cannot read the baseline {path}: {exc.strerror}") from exc
    except ValidationError as exc:
        raise EvalError(f"{path} is not an eval result: {exc.errors()[0]['msg']}") from exc


def _slug(text: str) -> str:
    return text.replace("/", "-").replace("<", "").replace(">", "")
