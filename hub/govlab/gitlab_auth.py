"""Sign-in with GitLab: oauthenticator's GitLabOAuthenticator, renewing tokens in time.

oauthenticator refreshes an access token only after GitLab has refused it, and the hub
asks it at most every `auth_refresh_age` seconds per user. A token that expires
between two checks would reach the lab expired (GitLab OAuth tokens live 2 hours), and
the share would fail until the next check. GitLab's token response says when the
token expires (`created_at` + `expires_in`), so the token is renewed with the refresh
token when it would expire before the next check could renew it.
"""

from __future__ import annotations

import time

from oauthenticator.gitlab import GitLabOAuthenticator

# Clock differences between the hub and GitLab, and request time.
SAFETY_MARGIN = 60

# The hub's login page: JupyterHub's template says "Sign in with GitLab" in English
# only; officials read Korean first. Rendered by JupyterHub with the page's context.
LOGIN_HTML = """
<div class="service-login">
  <a role="button" class="btn btn-jupyter btn-lg" id="govlab-gitlab-login"
     href="{{ authenticator_login_url | e }}">정부 GitLab 계정으로 로그인 / Sign in with GitLab</a>
</div>
"""


def expires_within(token_response: dict | None, seconds: float, now: float | None = None) -> bool:
    """Whether the token in GitLab's token response expires within `seconds`.

    False when the response does not say (no `created_at` or `expires_in`): then only
    GitLab's refusal tells, as in oauthenticator.
    """
    if not isinstance(token_response, dict):
        return False
    try:
        expires_at = float(token_response["created_at"]) + float(token_response["expires_in"])
    except (KeyError, TypeError, ValueError):
        return False
    return expires_at - (time.time() if now is None else now) < seconds


class GovlabGitLabOAuthenticator(GitLabOAuthenticator):
    def get_custom_html(self, base_url):
        return LOGIN_HTML

    async def refresh_user(self, user, handler=None, **kwargs):
        auth_state = await user.get_auth_state() if self.enable_auth_state else None
        refresh_token = (auth_state or {}).get("refresh_token")
        window = self.auth_refresh_age + SAFETY_MARGIN
        if refresh_token and expires_within(auth_state.get("token_response"), window):
            self.log.info("Renewing the GitLab token of %s before it expires", user.name)
            try:
                token_info = await self.get_token_info(handler, self.build_refresh_token_request_params(refresh_token))
            except Exception as e:  # refused or unreachable: oauthenticator's path decides
                self.log.info("Could not renew the GitLab token of %s early: %s", user.name, e)
            else:
                token_info.setdefault("refresh_token", refresh_token)
                # The same model oauthenticator builds after its own refresh.
                return await self._token_to_auth_model(token_info)
        return await super().refresh_user(user, handler, **kwargs)
