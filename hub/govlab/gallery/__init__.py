"""The gallery of shared work: a JupyterHub service listing what officials shared to GitLab.

Modules: config (environment in), catalog (python-gitlab reads), cache (last known
list, background refresh), search and listing (pure), store (featured marks and open
counts), render (safe Markdown), hubtoken (the official's GitLab token), app (pages).
Run by the hub as `python -m govlab.gallery`.
"""
