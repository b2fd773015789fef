"""Configuration of the share extension, set by the hub.

The hub writes `{"GovlabShare": {...}}` into the single-user server's
jupyter_server_config.json; nothing here is editable from the browser.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir
from traitlets import Bool, Float, Integer, TraitError, Unicode, validate
from traitlets.config import Configurable

VISIBILITIES = ("private", "internal", "public")
TOKEN_SOURCES = ("hub", "env", "service")


class GovlabShare(Configurable):
    """Where and how notebooks are shared to GitLab."""

    gitlab_url = Unicode(
        "",
        help="Base URL of the GitLab instance, e.g. https://gitlab.example.go.kr "
        "(no /api/v4). Empty: sharing is not configured.",
    ).tag(config=True)

    namespace = Unicode(
        "",
        help="Full path of the GitLab group projects are created in "
        "(e.g. 'govlab/shared'). Empty: the user's own namespace.",
    ).tag(config=True)

    default_visibility = Unicode("private", help="Visibility preselected in the dialog: private|internal|public.").tag(
        config=True
    )

    token_source = Unicode(
        "hub",
        help="Where the GitLab credential is: 'service' = the hub's share service holds a "
        "shared token and commits for this lab (`service_url`); 'hub' = the official's "
        "own short-lived OAuth access token, from the share service's api/token "
        "(`service_url`), else straight from JupyterHub's auth_state (needs "
        "admin:auth_state!user on the server's token); 'env' = a personal access token "
        "in the env var `token_env` (a lab outside a hub, a developer's own token).",
    ).tag(config=True)

    service_url = Unicode(
        "",
        help="The hub's share service as this lab reaches it, e.g. "
        "http://127.0.0.1:8094/services/govlab-share (set by the hub). The lab calls it "
        "with its own hub API token.",
    ).tag(config=True)

    token_env = Unicode(
        "GOVLAB_GITLAB_TOKEN",
        help="Environment variable holding a GitLab personal access token (used when token_source='env').",
    ).tag(config=True)

    agency = Unicode("", help="Agency (기관) name written into the task document.").tag(config=True)

    hub_public_url = Unicode(
        "",
        help="Public URL of the hub (e.g. https://lab.example.go.kr) for the "
        "'open in lab' nbgitpuller link in the README. Empty: no link.",
    ).tag(config=True)

    gallery_url = Unicode(
        "",
        help="URL of the hub's gallery service (e.g. https://lab.example.go.kr/services/gallery). "
        "Set: the README's 'open in my lab' link goes through the gallery, which counts "
        "opens. Empty: the link is the hub's nbgitpuller link.",
    ).tag(config=True)

    gallery_notify_url = Unicode(
        "",
        help="Where the lab tells the gallery about a share it just made (the gallery's "
        "POST .../services/gallery/api/refresh, at an address this lab can reach), so the "
        "gallery lists it within seconds. Empty: the gallery finds it at its next refresh.",
    ).tag(config=True)

    gallery_topic = Unicode(
        "govlab",
        help="GitLab topic set on every shared project; the gallery lists projects by it "
        "(the hub passes its `gallery.topic` setting).",
    ).tag(config=True)

    ai_model = Unicode(
        "",
        help="Model id shown in the README as the AI model used. Empty: read jupyter-ai's config (model_provider_id).",
    ).tag(config=True)

    request_timeout = Float(20.0, help="Timeout in seconds of one HTTP request to GitLab or the hub.").tag(config=True)

    max_retries = Integer(3, help="Retries after a timeout, connection error, 5xx or 429 from GitLab.").tag(config=True)

    max_retry_after = Float(
        30.0,
        help="Longest Retry-After (s) obeyed on a 429; a longer wait gives up with gitlab_rate_limited at once.",
    ).tag(config=True)

    max_bundle_bytes = Integer(50 * 1024 * 1024, help="Largest total size of the shared files, in bytes.").tag(
        config=True
    )

    scan_budget = Float(
        60.0,
        help="Longest time (s) the pre-share scan may take; past it the share is refused and nothing is sent.",
    ).tag(config=True)

    quality_check_enabled = Bool(
        True, help="Offer the quality check (re-run in a fresh kernel) in the share dialog."
    ).tag(config=True)

    quality_time_limit = Integer(
        300, help="Longest time (s) a quality check may run the notebook, 10..3600; past it: state timeout."
    ).tag(config=True)

    @validate("quality_time_limit")
    def _valid_quality_time_limit(self, proposal):
        if not 10 <= proposal["value"] <= 3600:
            raise TraitError(f"GovlabShare.quality_time_limit must be between 10 and 3600, got {proposal['value']!r}")
        return proposal["value"]

    branch = Unicode("main", help="Branch the share commit goes to.").tag(config=True)

    timezone = Unicode(
        "Asia/Seoul",
        help="IANA time zone for dates in the README and transcripts. Empty: the server's local zone.",
    ).tag(config=True)

    history_file = Unicode(
        "",
        help="Path of the local share record. Empty: <jupyter_data_dir>/govlab/shares.json.",
    ).tag(config=True)

    @validate("gitlab_url", "hub_public_url", "gallery_url", "service_url")
    def _valid_url(self, proposal):
        value = proposal["value"].strip().rstrip("/")
        if value and not re.match(r"^https?://[^/\s]+", value):
            raise TraitError(f"GovlabShare.{proposal['trait'].name} must be an http(s) URL, got {value!r}")
        if value.endswith("/api/v4"):
            raise TraitError(f"GovlabShare.{proposal['trait'].name} must be the base URL without /api/v4")
        return value

    @validate("namespace")
    def _valid_namespace(self, proposal):
        value = proposal["value"].strip().strip("/")
        if value and not re.fullmatch(r"[A-Za-z0-9_.][A-Za-z0-9_.\-]*(/[A-Za-z0-9_.][A-Za-z0-9_.\-]*)*", value):
            raise TraitError(f"GovlabShare.namespace must be a GitLab group full path like 'org/sub', got {value!r}")
        return value

    @validate("gallery_topic")
    def _valid_topic(self, proposal):
        # An empty topic would hide every share from the gallery.
        value = proposal["value"].strip()
        if not value:
            raise TraitError("GovlabShare.gallery_topic is empty: set the gallery's topic (gallery.topic)")
        return value

    @validate("default_visibility")
    def _valid_visibility(self, proposal):
        if proposal["value"] not in VISIBILITIES:
            raise TraitError(
                f"GovlabShare.default_visibility must be one of {', '.join(VISIBILITIES)}, got {proposal['value']!r}"
            )
        return proposal["value"]

    @validate("token_source")
    def _valid_token_source(self, proposal):
        if proposal["value"] not in TOKEN_SOURCES:
            raise TraitError(
                f"GovlabShare.token_source must be one of {', '.join(TOKEN_SOURCES)}, got {proposal['value']!r}"
            )
        return proposal["value"]

    @validate("token_env")
    def _valid_token_env(self, proposal):
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", proposal["value"]):
            raise TraitError(f"GovlabShare.token_env must be an environment variable name, got {proposal['value']!r}")
        return proposal["value"]

    @validate("request_timeout", "max_retry_after", "scan_budget")
    def _valid_positive(self, proposal):
        if proposal["value"] <= 0:
            raise TraitError(f"GovlabShare.{proposal['trait'].name} must be > 0 seconds, got {proposal['value']!r}")
        return proposal["value"]

    @validate("max_retries")
    def _valid_retries(self, proposal):
        if not 0 <= proposal["value"] <= 20:
            raise TraitError(f"GovlabShare.max_retries must be between 0 and 20, got {proposal['value']!r}")
        return proposal["value"]

    @validate("max_bundle_bytes")
    def _valid_bundle_bytes(self, proposal):
        if proposal["value"] < 1024:
            raise TraitError(f"GovlabShare.max_bundle_bytes must be at least 1024, got {proposal['value']!r}")
        return proposal["value"]

    @validate("branch")
    def _valid_branch(self, proposal):
        value = proposal["value"]
        # A conservative subset of git's ref-name rules.
        if (
            not value
            or not re.fullmatch(r"[A-Za-z0-9._/\-]+", value)
            or ".." in value
            or value.startswith(("/", "-"))
            or value.endswith(("/", ".lock"))
        ):
            raise TraitError(f"GovlabShare.branch is not a valid branch name: {value!r}")
        return value

    @validate("timezone")
    def _valid_timezone(self, proposal):
        value = proposal["value"]
        if value:
            from zoneinfo import ZoneInfo

            try:
                ZoneInfo(value)
            except Exception as e:  # ZoneInfoNotFoundError, ValueError
                raise TraitError(f"GovlabShare.timezone is not a known zone: {value!r}") from e
        return value

    # -- derived values ---------------------------------------------------

    def problem(self, environ=None) -> str | None:
        """Why sharing cannot work with this configuration (English), or None."""
        environ = os.environ if environ is None else environ
        if not self.gitlab_url:
            return "GovlabShare.gitlab_url is not set"
        if self.token_source == "env" and not environ.get(self.token_env):
            return f"environment variable {self.token_env} is empty"
        if self.token_source in ("hub", "service") and not (
            environ.get("JUPYTERHUB_API_URL") and environ.get("JUPYTERHUB_API_TOKEN")
        ):
            return "not running under JupyterHub (JUPYTERHUB_API_URL/JUPYTERHUB_API_TOKEN missing)"
        if self.token_source == "service" and not self.service_url:
            return "GovlabShare.service_url is not set (token_source 'service')"
        return None

    def history_path(self) -> Path:
        if self.history_file:
            return Path(self.history_file)
        return Path(jupyter_data_dir()) / "govlab" / "shares.json"

    def tzinfo(self):
        if self.timezone:
            from zoneinfo import ZoneInfo

            return ZoneInfo(self.timezone)
        return None  # datetime.astimezone(None) = local zone

    def resolved_ai_model(self) -> str:
        """The configured model, else what jupyter-ai's config file says, else ''."""
        if self.ai_model:
            return self.ai_model
        path = Path(jupyter_data_dir()) / "jupyter_ai" / "config.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return ""
        model = data.get("model_provider_id") if isinstance(data, dict) else None
        return model if isinstance(model, str) else ""
