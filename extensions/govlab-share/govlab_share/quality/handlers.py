"""Routes of the quality check (docs/share-api.md, "Quality check"):
POST /govlab-share/quality, GET and DELETE /govlab-share/quality/<id>."""

from __future__ import annotations

import asyncio
import json
import os

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from .. import bundle as bundle_mod
from .. import paths
from ..errors import ShareError, bad_request
from . import runner
from .datafiles import data_files
from .jobs import Job, Jobs, fingerprint

SETTINGS_KEY = "govlab_share"  # the extension's settings (handlers.SETTINGS_KEY)
JOBS_KEY = "quality_jobs"
JOB_ID = r"[A-Za-z0-9_\-]{1,64}"


def error_body(err: ShareError) -> dict:
    """The share's error body plus C1's `{"message": {"ko", "en"}}`."""
    body = err.to_dict()
    body["message"] = {"ko": err.message, "en": err.message_en}
    return body


def not_found() -> ShareError:
    return ShareError(
        "quality_not_found",
        404,
        "품질 점검을 찾을 수 없습니다(끝난 지 오래되었거나 서버가 다시 시작됨). 다시 점검하세요.",
        "No such quality check (it finished long ago or the server restarted); run the check again.",
    )


class _QualityBase(APIHandler):
    @property
    def share(self) -> dict:
        return self.settings[SETTINGS_KEY]

    @property
    def jobs(self) -> Jobs:
        return self.share[JOBS_KEY]

    def fail(self, err: ShareError) -> None:
        self.set_status(err.status)
        for key, value in err.headers.items():
            self.set_header(key, value)
        self.finish(json.dumps(error_body(err), ensure_ascii=False))

    def job(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise not_found()
        return job


class QualityStartHandler(_QualityBase):
    @tornado.web.authenticated
    async def post(self):
        try:
            body = self._body()
            loop = asyncio.get_running_loop()
            rel, real, nb, found = await loop.run_in_executor(None, self._read, body["path"])
            cfg = self.share["config"]
            job = Job(
                path=rel,
                fingerprint=fingerprint(nb),
                cells=sum(1 for c in nb.cells if c.get("cell_type") == "code"),
                time_limit=int(cfg.quality_time_limit),
                data_files=found,
            )
            config, ksm, tz = self.config, self.kernel_spec_manager, cfg.tzinfo()
            self.jobs.start(
                job,
                lambda j: runner.run(j, nb, cwd=os.path.dirname(real), config=config, kernel_spec_manager=ksm, tz=tz),
            )
        except ShareError as e:
            return self.fail(e)
        self.set_status(202)
        self.finish(json.dumps({"id": job.id, "cells": job.cells}))

    def _body(self) -> dict:
        if not self.share["config"].quality_check_enabled:
            raise ShareError(
                "quality_disabled",
                403,
                "이 랩에서는 품질 점검이 꺼져 있습니다. 점검 없이 공유하세요.",
                "The quality check is turned off in this lab; share without it.",
            )
        try:
            body = json.loads(self.request.body or b"")
        except ValueError:
            raise bad_request("요청 본문이 올바른 JSON이 아닙니다.", "The request body is not valid JSON.") from None
        if not isinstance(body, dict) or not isinstance(body.get("path"), str) or not body["path"].strip():
            raise bad_request("점검할 노트북 경로(path)가 필요합니다.", "The notebook path is required.", ["path"])
        return body

    def _read(self, path: str):
        """(rel, real path, notebook, data files) - the share's own path checks."""
        root = self.share["root_dir"]
        rel, real = paths.resolve(root, path, suffix=".ipynb")
        try:
            _, nb = bundle_mod.read_notebook(real)
        except ShareError as e:
            if e.code == "bad_notebook":
                e.status = 400  # C1: bad input is a 400 here
            raise
        return rel, str(real), nb, data_files(root, rel, nb)


class QualityJobHandler(_QualityBase):
    @tornado.web.authenticated
    async def get(self, job_id: str):
        try:
            job = self.job(job_id)
        except ShareError as e:
            return self.fail(e)
        self.finish(json.dumps(job.status(), ensure_ascii=False))

    @tornado.web.authenticated
    async def delete(self, job_id: str):
        try:
            job = self.job(job_id)
        except ShareError as e:
            return self.fail(e)
        await self.jobs.cancel(job)
        self.set_status(204)
        self.finish()


def routes(base: str) -> list:
    return [
        (url_path_join(base, "quality"), QualityStartHandler),
        (url_path_join(base, "quality", f"({JOB_ID})"), QualityJobHandler),
    ]


def new_jobs() -> Jobs:
    """The registry kept in the extension's settings under JOBS_KEY."""
    return Jobs()
