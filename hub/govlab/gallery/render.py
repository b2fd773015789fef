"""Markdown from shared repositories (README, transcripts) to safe HTML.

Raw HTML is escaped and harmful URLs are dropped (mistune). Relative links point into
the repository on GitLab, since the files live there, not in the gallery.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import mistune

_ABSOLUTE = re.compile(r"^([a-z][a-z0-9+.-]*:|/|#)", re.I)


class _RepoRenderer(mistune.HTMLRenderer):
    def __init__(self, web_url: str, branch: str):
        super().__init__(escape=True)
        self.web_url = web_url.rstrip("/")
        self.branch = branch

    def _repo(self, url: str, kind: str) -> str:
        if not url or _ABSOLUTE.match(url):
            return url
        return f"{self.web_url}/-/{kind}/{quote(self.branch)}/{url.lstrip('./')}"

    def link(self, text: str, url: str, title=None) -> str:
        return super().link(text, self._repo(url, "blob"), title)

    def image(self, text: str, url: str, title=None) -> str:
        return super().image(text, self._repo(url, "raw"), title)


def markdown_html(text: str, web_url: str, branch: str = "main") -> str:
    md = mistune.create_markdown(renderer=_RepoRenderer(web_url, branch), plugins=["table", "strikethrough", "url"])
    return md(text or "")
