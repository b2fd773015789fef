"""Korean catalogues for the chat panel's translation domains.

jupyterlab-chat (`jupyter-chat`) and jupyterlab-diff (`jupyterlab-diff`, the agent's
accept/reject bar) translate their strings but ship no Korean. jupyterlab_server merges
every package registered under the `jupyterlab.locale` entry point group (see the
top-level pyproject.toml) from `locale/<lang>/LC_MESSAGES/<entry-point-name>.json`
beside this module, so the lab serves them with the ko-KR language pack.

Kept empty on purpose: jupyterlab_server imports this module for every translation
request, and an import error would drop the whole Korean UI, not only these strings.
"""
