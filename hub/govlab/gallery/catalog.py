"""Read shared work from GitLab with python-gitlab (blocking: run it in a thread).

A shared project is one carrying the gallery topic (the share extension sets it) in a
configured namespace. The listing gives name, description, topics, visibility and
dates; the share's `govlab-manifest.json` and README add author, agency, AI model,
notebook and thumbnail. Both are read once per project version (last_activity_at).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import gitlab
import requests
from gitlab.exceptions import GitlabError

MANIFEST = "govlab-manifest.json"
README = "README.md"
LISTED_VISIBILITIES = ("public", "internal")  # the shared catalog; private: per official
PER_PAGE = 100  # GitLab's maximum page size


class GitLabUnavailable(Exception):
    """GitLab did not answer usefully (down, slow, 5xx, refused the token)."""


@dataclass
class Entry:
    id: int
    path_with_namespace: str
    name: str
    description: str
    web_url: str
    http_url_to_repo: str
    default_branch: str
    visibility: str
    tags: list[str]
    namespace: str
    created_at: str
    last_activity_at: str
    owner: str = ""


@dataclass
class Details:
    """What the share wrote into the repository (from the manifest and README)."""

    version: str  # last_activity_at this was read at
    title: str = ""
    description: str = ""
    author: str = ""
    agency: str = ""
    ai_model: str = ""
    shared_at: str = ""
    notebook: str = ""
    thumbnail: str = ""
    readme: str = ""
    owner: str = ""  # the sharing official's hub name (manifest `owner`)
    chats: list[dict] = field(default_factory=list)
    search_index: tuple | None = field(default=None, repr=False, compare=False)  # listing's cache


def client(url: str, token: str = "", timeout: float = 10.0, *, oauth: bool = False) -> gitlab.Gitlab:
    """A python-gitlab client; an empty token reads anonymously (public projects only)."""
    auth = {"oauth_token": token} if oauth and token else {"private_token": token or None}
    # Our cache retries with backoff; python-gitlab itself must not retry 5xx.
    return gitlab.Gitlab(url, timeout=timeout, retry_transient_errors=False, user_agent="govlab-gallery", **auth)


def _unavailable(e: Exception) -> GitLabUnavailable:
    if isinstance(e, GitlabError):
        return GitLabUnavailable(f"GitLab answered {e.response_code}: {str(e.error_message)[:200]}")
    return GitLabUnavailable(f"{type(e).__name__}: {str(e)[:200]}")


def in_namespaces(path: str, namespaces: tuple[str, ...]) -> bool:
    if not namespaces:
        return True
    low = path.lower()
    return any(low.startswith(ns.lower().rstrip("/") + "/") for ns in namespaces)


def entry_from(attrs: dict, topic: str) -> Entry:
    ns = attrs.get("namespace") or {}
    owner = attrs.get("owner") or {}
    return Entry(
        id=int(attrs["id"]),
        path_with_namespace=attrs.get("path_with_namespace", ""),
        name=attrs.get("name", ""),
        description=attrs.get("description") or "",
        web_url=attrs.get("web_url", ""),
        http_url_to_repo=attrs.get("http_url_to_repo", ""),
        default_branch=attrs.get("default_branch") or "main",
        visibility=attrs.get("visibility") or "private",
        tags=[t for t in (attrs.get("topics") or attrs.get("tag_list") or []) if t.lower() != topic.lower()],
        namespace=ns.get("full_path", ""),
        created_at=attrs.get("created_at") or "",
        last_activity_at=attrs.get("last_activity_at") or "",
        owner=owner.get("name") or "",
    )


def is_shared(attrs: dict, topic: str, namespaces: tuple[str, ...]) -> bool:
    """A project the gallery lists: it carries the topic and lies in a listed namespace."""
    topics = {t.lower() for t in (attrs.get("topics") or attrs.get("tag_list") or [])}
    return topic.lower() in topics and in_namespaces(attrs.get("path_with_namespace", ""), namespaces)


def list_shared(
    gl: gitlab.Gitlab,
    topic: str,
    namespaces: tuple[str, ...],
    *,
    visibilities: tuple[str, ...] = LISTED_VISIBILITIES,
    membership: bool = False,
    on_page: Callable[[list[Entry]], None] | None = None,
) -> list[Entry]:
    """Every project with the topic in the namespaces, of the given visibilities.

    `on_page` gets the entries so far after each page of 100 (a first load can show
    the newest work before the last page arrives).
    """
    params: dict = {"topic": topic, "per_page": PER_PAGE, "iterator": True}
    if membership:
        params["membership"] = True
    if len(visibilities) == 1:
        params["visibility"] = visibilities[0]
    try:
        out = []
        for n, p in enumerate(gl.projects.list(**params), 1):
            attrs = p.attributes
            # Filtered here too: the token may see more than the catalog may show.
            if attrs.get("visibility") in visibilities and is_shared(attrs, topic, namespaces):
                out.append(entry_from(attrs, topic))
            if on_page and n % PER_PAGE == 0:
                on_page(list(out))
        return out
    except (GitlabError, requests.RequestException) as e:
        raise _unavailable(e) from None


def _get_or_none(gl: gitlab.Gitlab, path: str, **kwargs):
    """GET an API path; None on 404, GitLabUnavailable on any other failure."""
    try:
        return gl.http_get(path, **kwargs)
    except GitlabError as e:
        if e.response_code == 404:
            return None
        raise _unavailable(e) from None
    except requests.RequestException as e:
        raise _unavailable(e) from None


def project(gl: gitlab.Gitlab, path: str) -> dict | None:
    """One project's attributes by `group/project` path; None when the token cannot see it."""
    return _get_or_none(gl, f"/projects/{quote(path, safe='')}")


def raw_file(gl: gitlab.Gitlab, project_id: int, path: str, ref: str) -> bytes | None:
    """A file's bytes on `ref`, None when it does not exist."""
    resp = _get_or_none(
        gl, f"/projects/{project_id}/repository/files/{quote(path, safe='')}/raw", query_data={"ref": ref}, raw=True
    )
    return None if resp is None else resp.content


def details(gl: gitlab.Gitlab, entry: Entry) -> Details:
    """Manifest and README of one shared project (two requests)."""
    d = Details(version=entry.last_activity_at)
    manifest = raw_file(gl, entry.id, MANIFEST, entry.default_branch)
    if manifest:
        try:
            m = json.loads(manifest)
        except ValueError:
            m = {}
        if isinstance(m, dict):
            d.title = str(m.get("title") or "")
            d.description = str(m.get("description") or "")
            d.author = str(m.get("author") or "")
            d.agency = str(m.get("agency") or "")
            d.ai_model = str(m.get("ai_model") or "")
            d.shared_at = str(m.get("shared_at") or "")
            d.notebook = str(m.get("notebook") or "")
            d.thumbnail = str(m.get("thumbnail") or "")
            d.owner = str(m.get("owner") or "")
            d.chats = [c for c in (m.get("chats") or []) if isinstance(c, dict)]
    readme = raw_file(gl, entry.id, README, entry.default_branch)
    d.readme = readme.decode("utf-8", "replace") if readme else ""
    return d


def tree(gl: gitlab.Gitlab, entry: Entry) -> list[str]:
    """Every file path in the shared repository."""
    try:
        items = gl.http_list(
            f"/projects/{entry.id}/repository/tree",
            query_data={"ref": entry.default_branch, "recursive": True, "per_page": 100},
            get_all=True,
        )
    except GitlabError as e:
        if e.response_code == 404:
            return []
        raise _unavailable(e) from None
    except requests.RequestException as e:
        raise _unavailable(e) from None
    return sorted(i["path"] for i in items if i.get("type") == "blob")
