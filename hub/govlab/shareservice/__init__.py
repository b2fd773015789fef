"""The hub-side share service (`govlab-share`): the one place a shared GitLab credential lives.

A lab never holds the shared GitLab token or an official's refresh token. It calls this
JupyterHub service with its own hub API token: `POST api/publish` commits files the lab
rendered (re-scanned here, and only into projects recorded as that official's), and
`GET api/token` (GitLab sign-in) hands out the official's short-lived access token.
See docs/share-api.md, "The share service".
"""

SERVICE_NAME = "govlab-share"
