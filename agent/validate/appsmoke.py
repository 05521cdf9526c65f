"""The app smoke: the web routes and the command-line entry points a patch reaches, run.

One funnel stage (``app-smoke``, right after the import smoke) made of two parts: the web
smoke (agent.validate.websmoke) and the CLI smoke (agent.validate.clismoke). The first part
that fails rejects the patch; the stage passed if a part passed, and was skipped if neither
had anything to run. Its detail names what ran and how long it took:
``web smoke: ...; cli smoke: ... (1.2s)``.
"""

from __future__ import annotations

import time

from agent.models import Patch, Stage, StageResult, StageStatus
from agent.validate.clismoke import cli_smoke_stage
from agent.validate.websmoke import WebRun, web_smoke_stage

__all__ = ["app_smoke_stage"]


def app_smoke_stage(patch: Patch, run: WebRun) -> StageResult:
    """Web routes first, then entry points; the first failure, or what ran; how long."""
    started = time.monotonic()
    result = _parts(patch, run)
    took = f" ({time.monotonic() - started:.1f}s)"
    return result.model_copy(update={"detail": result.detail + took})


def _parts(patch: Patch, run: WebRun) -> StageResult:
    web = web_smoke_stage(patch, run)
    if web.status is StageStatus.FAILED:
        return web
    cli = cli_smoke_stage(patch, run.root, run.python, run.timeout_s, run.path_prefix)
    if cli.status is StageStatus.FAILED:
        return cli
    parts = (web, cli)
    ran = [p.detail for p in parts if p.status is StageStatus.PASSED]
    status = StageStatus.PASSED if ran else StageStatus.SKIPPED
    detail = "; ".join(ran or [p.detail for p in parts])
    return StageResult(stage=Stage.APP_SMOKE, status=status, detail=detail)
