"""The share side of the quality check: the share request's `quality` field (C1),
what a finished check adds to the bundle (requirements.txt, the run's outputs when
outputs are kept) and the manifest's `quality` (C4). All of it is in the bundle
before the scan, so it is scanned like everything else.
"""

from __future__ import annotations

import dataclasses
import re

import nbformat

from .. import bundle as bundle_mod
from .. import paths
from ..errors import ShareError, bad_request
from .datafiles import with_included
from .jobs import Job, Jobs, fingerprint
from .requirements import render_requirements

REQUIREMENTS_PATH = "requirements.txt"
MAX_REASON = 500
_JOB_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def parse_field(value) -> dict | None:
    """The request's `quality`: {"check": id} | {"skipped": reason} | None (not checked)."""
    if value is None:
        return None
    if isinstance(value, dict) and set(value) == {"check"} and isinstance(value["check"], str):
        if _JOB_ID.match(value["check"]):
            return {"check": value["check"]}
    if isinstance(value, dict) and set(value) == {"skipped"} and isinstance(value["skipped"], str):
        reason = " ".join(value["skipped"].split())
        if 1 <= len(reason) <= MAX_REASON:
            return {"skipped": reason}
        raise bad_request(
            f"점검을 생략한 이유를 1~{MAX_REASON}자로 적어 주세요.",
            f"Give the reason for skipping the check in 1 to {MAX_REASON} characters.",
            ["quality.skipped: 1-500 characters"],
        )
    raise bad_request(
        "품질 점검 정보(quality)의 형식이 올바르지 않습니다.",
        "Malformed quality field.",
        ['quality: {"check": "<job id>"} or {"skipped": "<reason>"}'],
    )


def _conflict(code: str, ko: str, en: str) -> ShareError:
    return ShareError(code, 409, ko, en)


def finished_job(jobs: Jobs, root, rel: str, job_id: str) -> Job:
    """The finished check of this very notebook as it is now, else a 409 saying what to do."""
    job = jobs.get(job_id)
    if job is None:
        raise _conflict(
            "quality_unknown",
            "품질 점검 결과를 찾을 수 없습니다(오래되었거나 서버가 다시 시작됨). 다시 점검하거나 점검을 생략하세요.",
            "The quality check result is gone (too old, or the server restarted); check again or skip the check.",
        )
    if job.path != rel:
        raise _conflict(
            "quality_other_notebook",
            f"이 품질 점검은 다른 노트북({job.path})의 것입니다. 이 노트북을 다시 점검하세요.",
            f"This quality check belongs to another notebook ({job.path}); check this notebook.",
        )
    if job.state == "running":
        raise _conflict(
            "quality_running",
            "품질 점검이 아직 끝나지 않았습니다. 끝날 때까지 기다리거나 취소한 뒤 생략하세요.",
            "The quality check has not finished; wait for it, or cancel it and skip the check.",
        )
    if job.state == "cancelled" or job.result is None:
        raise _conflict(
            "quality_cancelled",
            "취소된 품질 점검입니다. 다시 점검하거나 점검을 생략하세요.",
            "That quality check was cancelled; check again or skip the check.",
        )
    _, real = paths.resolve(root, rel, suffix=".ipynb")
    _, nb = bundle_mod.read_notebook(real)
    if fingerprint(nb) != job.fingerprint:
        raise _conflict(
            "quality_stale",
            "점검한 뒤 노트북의 코드가 바뀌었습니다. 다시 점검하세요.",
            "The notebook's code changed after the check; check it again.",
        )
    return job


def attach(jobs: Jobs, root, rel: str, field: dict | None, bundle, keep_outputs: bool):
    """(bundle with what the check adds, the manifest's `quality`). Blocking (reads the
    notebook again): run it in an executor."""
    if field is None:
        return bundle, {"state": "unchecked"}
    if "skipped" in field:
        return bundle, {"state": "skipped", "reason": field["skipped"]}
    job = finished_job(jobs, root, rel, field["check"])
    files = dict(bundle.files)
    thumbnail = bundle.thumbnail
    if keep_outputs and job.executed:
        # The run's outputs, never the official's file (which the check did not touch).
        files[bundle.notebook] = job.executed
        plot = bundle_mod.first_plot(nbformat.reads(job.executed.decode("utf-8"), as_version=4))
        if plot is not None and bundle.notebook != bundle_mod.THUMBNAIL_PATH:
            files[bundle_mod.THUMBNAIL_PATH] = plot  # the preview matches the outputs shared
            thumbnail = bundle_mod.THUMBNAIL_PATH
    result = dict(job.result)
    if REQUIREMENTS_PATH not in files:  # an official's own requirements.txt wins
        files[REQUIREMENTS_PATH] = render_requirements(result["packages"], result["python"], result["checked_at"])
    result["data_files"] = with_included(result.get("data_files") or [], set(files))
    quality = {"state": job.state, **result}
    return dataclasses.replace(bundle, files=files, thumbnail=thumbnail), quality
