"""Per-official accounts (auth.method: accounts): applications, approval, own passwords.

The authenticator is `govlab.auth.GovlabAccountsAuthenticator` (on top of
jupyterhub-nativeauthenticator); this package holds its pages, their Korean/English
messages and the application details nativeauthenticator has no column for.
"""
