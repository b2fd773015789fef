"""`govlab gallery report`: the curators' reuse report as CSV, from the command line.

Reads the settings file like the other commands, the gallery's store in the state dir
and the shared catalog (public and internal work) with the catalogue token: the same
rows the report page shows a curator for the same period.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .. import settings
from ..atomicfile import write_atomic
from ..hubconfig import gallery_config
from . import catalog, figures
from .config import CONFIG_ENV, TOKEN_ENV, GalleryConfig, from_env
from .requests_count import read_counts
from .store import Store


def config_from(loaded: settings.LoadedSettings) -> GalleryConfig:
    """The configuration the hub gives the gallery service, built the same way."""
    token = loaded.secrets.gallery_token or loaded.secrets.sharing_token
    env = {CONFIG_ENV: json.dumps(gallery_config(loaded), ensure_ascii=False)}
    if token:
        env[TOKEN_ENV] = token.get_secret_value()
    return from_env(env)


def report(cfg: GalleryConfig, since: str, until: str, table: str = "projects") -> str:
    """The CSV text (with its byte-order mark); raises BadPeriod, GitLabUnavailable."""
    from .report import projects_of, today  # the web side (tornado, JupyterHub): only when used

    start, end = figures.period(since, until, today())
    gl = catalog.client(cfg.gitlab_url, cfg.token, cfg.request_timeout)
    # What every curator sees: the shared catalog (private work is its owner's alone).
    entries = catalog.list_shared(gl, cfg.topic, cfg.namespaces)
    details = {e.id: catalog.details(gl, e) for e in entries}
    events = []
    if os.path.exists(cfg.db_path):
        store = Store(cfg.db_path)
        try:
            events = store.events(until=figures.bounds(start, end)[1])
        finally:
            store.close()
    agency_of = figures.agency_lookup(((d.owner, d.agency) for d in details.values()), cfg.agency)
    projects = projects_of(entries, details)
    fig = figures.compute(projects, events, start, end, agency_of, read_counts(gl, [p.id for p in projects]))
    fig.projects = figures.sort_projects(fig.projects, "opens", True)
    return figures.to_csv(fig, table)


def cmd_report(args) -> int:
    try:
        loaded = settings.load(args.config)
    except settings.SettingsError as e:
        print(str(e), file=sys.stderr)
        return 2
    try:
        text = report(config_from(loaded), args.since, args.until or "", args.table)
    except figures.BadPeriod:
        print(
            "기간을 YYYY-MM-DD로, 시작일이 종료일보다 앞서게 주세요 / give --since/--until as YYYY-MM-DD, since <= until",
            file=sys.stderr,
        )
        return 2
    except catalog.GitLabUnavailable as e:
        print(
            f"GitLab이 응답하지 않습니다. 잠시 후 다시 실행하세요 / GitLab did not answer ({e}); try again later",
            file=sys.stderr,
        )
        return 1
    if args.csv == "-":
        sys.stdout.write(text)
    else:
        write_atomic(Path(args.csv), text.encode("utf-8"))
        print(f"OK: {args.csv}", file=sys.stderr)
    return 0


def register(sub) -> None:
    gallery = sub.add_parser("gallery", help="the gallery: reuse report for curators")
    gsub = gallery.add_subparsers(dest="gallery_command", required=True)
    rep = gsub.add_parser("report", help="write the reuse report (the curators' page) as CSV")
    rep.add_argument("--config", help="settings file")
    rep.add_argument("--since", required=True, help="first day, YYYY-MM-DD (UTC)")
    rep.add_argument("--until", help="last day, YYYY-MM-DD (UTC; default: today)")
    rep.add_argument("--table", choices=figures.TABLES, default="projects", help="which table (default: projects)")
    rep.add_argument("--csv", required=True, help="output file (UTF-8 with BOM, for Excel); - for stdout")
    rep.set_defaults(func=cmd_report)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="govlab")
    register(p.add_subparsers(dest="command", required=True))
    args = p.parse_args(argv)
    return args.func(args)
