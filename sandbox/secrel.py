"""The jobs and steps of a SecRel run, derived from the run itself when not loaded explicitly.

The layout follows the team's `secrel.yml`: a gate check, the shared "SecRel Pipeline"
(build, Snyk scans, the Aqua gate, image signing), then "Publish to GHCR", which needs the
pipeline: a failed scan skips it, so a red run publishes no signed images. A failed run
stops at its `failed_step`; later steps are skipped, as Actions reports them, except the
SARIF upload and the job's clean-up, which run whatever happened (`if: always()`), so the
scanners' findings reach code scanning from red runs too. Timing is spread over the run's
duration so a run that is still going has a job and a step in progress.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .models import Job, Step, WorkflowRun

GATE = "Check SecRel gate"
PIPELINE = "SecRel Pipeline"
PUBLISH = "Publish to GHCR"
AQUA_GATE = "Aqua gate check"
SARIF = "Upload SARIF results"
# Steps that run after a failure (`if: always()` in the workflow; "Complete job" is Actions').
ALWAYS = frozenset({SARIF, "Complete job"})

LAYOUT: tuple[tuple[str, tuple[str, ...], float], ...] = (
    (GATE, ("Set up job", "Check out code", "Decide whether to run SecRel", "Complete job"), 0.04),
    (
        PIPELINE,
        (
            "Set up job",
            "Check out code",
            "Build images",
            "Snyk scan (code and dependencies)",
            "Snyk scan (container images)",
            "Aqua scan",
            AQUA_GATE,
            "Sign images",
            SARIF,
            "Complete job",
        ),
        0.78,
    ),
    (
        PUBLISH,
        ("Set up job", "Log in to GHCR", "Push signed images to GHCR", "Complete job"),
        0.18,
    ),
)

NOMINAL = timedelta(minutes=28)  # for runs that never finish


def secrel_jobs(run: WorkflowRun) -> tuple[Job, ...]:
    """Jobs of a run: explicit ones if loaded, else the SecRel layout fitted to its timing."""
    if run.jobs is not None:
        return run.jobs
    begin = (run.created_at + timedelta(seconds=8)).replace(microsecond=0)
    end = run.completed_at if run.completed_at is not None else run.created_at + NOMINAL
    span = max((end - begin).total_seconds(), 30.0)
    failed_step = (run.failed_step or AQUA_GATE) if run.conclusion == "failure" else None
    failed_job = next((name for name, steps, _ in LAYOUT if failed_step in steps), None)
    cancelled = run.conclusion == "cancelled"
    executing: list[str] = []
    for name, _, _ in LAYOUT:
        if name == PUBLISH and not run.publish_images:
            continue
        executing.append(name)
        if name == failed_job:
            break
    last = executing[-1]
    total_share = sum(share for name, _, share in LAYOUT if name in executing)
    jobs: list[Job] = []
    at = begin
    for number, (name, steps, share) in enumerate(LAYOUT, start=1):
        job_id = run.id * 10 + number
        if name not in executing:
            jobs.append(
                Job(id=job_id, name=name, started_at=at, completed_at=at, conclusion="skipped")
            )
            continue
        job_end = (
            end
            if name == last
            else (at + timedelta(seconds=span * share / total_share)).replace(microsecond=0)
        )
        job_steps = _steps(
            steps,
            at,
            job_end,
            failed_step if name == failed_job else None,
            cancelled and name == last,
        )
        completed: datetime | None = job_end
        if run.completed_at is None and name == last:
            # Still running: the final step has not finished, whatever the clock says.
            final = job_steps[-1]
            job_steps = (
                *job_steps[:-1],
                Step(
                    name=final.name,
                    number=final.number,
                    started_at=final.started_at,
                    completed_at=None,
                    conclusion=None,
                ),
            )
            conclusion, completed = None, None
        elif name == failed_job:
            conclusion = "failure"
        elif cancelled and name == last:
            conclusion = "cancelled"
        else:
            conclusion = "success"
        jobs.append(
            Job(
                id=job_id,
                name=name,
                started_at=at,
                completed_at=completed,
                conclusion=conclusion,
                steps=job_steps,
            )
        )
        at = job_end
    return tuple(jobs)


def _steps(
    names: tuple[str, ...], start: datetime, end: datetime, failed: str | None, cancelled: bool
) -> tuple[Step, ...]:
    span = max((end - start).total_seconds(), float(len(names)))
    # Scans dominate a job's time; set-up and bookkeeping steps are quick.
    weights = [0.4 if n in {"Set up job", "Complete job", "Check out code"} else 3.0 for n in names]
    stop_at = names.index(failed) if failed in names else (len(names) - 2 if cancelled else None)
    anyway = ALWAYS if failed else {"Complete job"}  # a cancel stops `always()` steps too
    if stop_at is not None:
        weights = [w if i <= stop_at or names[i] in anyway else 0.0 for i, w in enumerate(weights)]
    scale = span / sum(weights)
    out: list[Step] = []
    at = start
    for number, (name, weight) in enumerate(zip(names, weights, strict=True), start=1):
        after_stop = stop_at is not None and number - 1 > stop_at and name not in anyway
        if after_stop:
            out.append(
                Step(
                    name=name,
                    number=number,
                    started_at=None,
                    completed_at=None,
                    conclusion="skipped",
                )
            )
            continue
        step_end = (at + timedelta(seconds=weight * scale)).replace(microsecond=0)
        if number == len(names):
            step_end = end
        if stop_at is not None and number - 1 == stop_at:
            conclusion = "failure" if failed else "cancelled"
        else:
            conclusion = "success"
        out.append(
            Step(
                name=name,
                number=number,
                started_at=at,
                completed_at=step_end,
                conclusion=conclusion,
            )
        )
        at = step_end
    return tuple(out)
