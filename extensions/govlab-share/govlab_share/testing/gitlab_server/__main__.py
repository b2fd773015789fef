"""Run the test GitLab server standalone (a dev tool; loopback only).

    python -m govlab_share.testing.gitlab_server --port 8929 --data /tmp/gls \
        --user alice --token glpat-dev --oauth-app CLIENT:SECRET:http://127.0.0.1:8000/hub/oauth_callback
"""

import argparse
import sys

from .app import GitLabServer


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m govlab_share.testing.gitlab_server")
    ap.add_argument("--port", type=int, default=8929)
    ap.add_argument("--data", required=True, help="directory for bare repositories")
    ap.add_argument(
        "--user", action="append", default=[], help="create a user (repeatable); the first one is 'logged in' for OAuth"
    )
    ap.add_argument(
        "--token", action="append", default=[], help="personal token with scope api for the matching --user"
    )
    ap.add_argument("--group", action="append", default=[], help="group path; every --user becomes its Owner")
    ap.add_argument("--oauth-app", action="append", default=[], help="CLIENT_ID:SECRET:REDIRECT_URI")
    ap.add_argument("--max-body-mb", type=int, default=300)
    args = ap.parse_args(argv)

    server = GitLabServer(args.data)
    server.config.max_body_size = args.max_body_mb * 1024 * 1024
    for i, name in enumerate(args.user):
        server.store.add_user(name)
        if i < len(args.token):
            server.store.add_token(name, ("api",), token=args.token[i])
    for path in args.group:
        server.store.add_group(path, {u: 50 for u in args.user}, visibility="public")
    for spec in args.oauth_app:
        client_id, secret, redirect = spec.split(":", 2)
        server.store.add_oauth_app(client_id, secret, redirect)
    if args.user:
        server.store.logged_in = server.store.user_by_username(args.user[0])["id"]
    print(f"test GitLab on http://127.0.0.1:{args.port} (data {args.data})", file=sys.stderr)
    try:
        server.serve_forever(args.port)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
