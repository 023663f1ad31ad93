"""``alrepro fake-server`` (also ``python -m fake_labelbox.cli``): the fake on a port, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import secrets
import signal
import sys
from typing import Any

from . import DEFAULT_API_KEY
from .app import FakeLabelboxApp
from .errors import StateFileError
from .limits import Limits
from .rest import PREFIX as REST_PREFIX


def make_server(app: FakeLabelboxApp, host: str = "127.0.0.1", port: int = 0, quiet: bool = True):
    """A threaded werkzeug server (port 0 picks a free port); ``quiet`` drops the access log."""
    from werkzeug.serving import WSGIRequestHandler
    from werkzeug.serving import make_server as _make

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    return _make(host, port, app, threaded=True, request_handler=QuietHandler if quiet else None)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def main(argv: list[str]) -> int:
    """``alrepro fake-server --port N --api-key KEY [--host H] [--seed S] [--db PATH] [--limit NAME=VALUE]``."""
    parser = argparse.ArgumentParser(prog="alrepro fake-server", description="Run the fake Labelbox server.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--db", default=None, metavar="PATH",
                        help="keep the state in this SQLite file (resumed on restart); default: in memory")
    parser.add_argument("--snapshot-every", type=int, default=1000, metavar="N",
                        help="with --db: snapshot the state every N commands (bounds replay at start)")
    parser.add_argument("--synchronous", default="FULL", choices=["NORMAL", "FULL", "EXTRA"],
                        help="with --db: SQLite synchronous mode (FULL survives power loss, NORMAL a process kill)")
    parser.add_argument("--admin-key", default=None,
                        help="require this key (header X-Fake-Admin-Key) on /_fake/ routes (health without it: status only) "
                             "(made up and printed when --host is not a loopback address)")
    parser.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                        help=f"override a request limit ({', '.join(Limits().view())})")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    args = parser.parse_args(argv)
    limits = Limits()
    try:
        limits.update(**{k: int(v) for k, _, v in (item.partition("=") for item in args.limit)})
    except ValueError as e:
        parser.error(str(e))
    if args.admin_key is None and not _loopback(args.host):
        args.admin_key = secrets.token_urlsafe(24)  # reachable from other machines: the admin door is locked
    try:
        app = FakeLabelboxApp(api_key=args.api_key, seed=args.seed, db=args.db, limits=limits,
                              snapshot_every=args.snapshot_every, synchronous=args.synchronous,
                              admin_key=args.admin_key)
    except StateFileError as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        return 2
    server = make_server(app, args.host, args.port, quiet=args.quiet)
    base = f"http://{args.host}:{server.server_port}"
    print(f"fake Labelbox serving on {base}", flush=True)
    print(f"  graphql endpoint: {base}/graphql", flush=True)
    print(f"  rest endpoint:    {base}{REST_PREFIX}", flush=True)
    print(f"  api key:          {args.api_key}", flush=True)
    print(f"  admin:            {base}/_fake/health", flush=True)
    if args.admin_key:
        print(f"  admin key:        {args.admin_key} (header X-Fake-Admin-Key)", flush=True)
    if args.db:
        print(f"  state file:       {args.db}", flush=True)

    def _terminate(signum, frame):  # SIGTERM: stop like Ctrl-C (snapshot, then exit 0)
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not in the main thread
        signal.signal(signal.SIGTERM, _terminate)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        server.server_close()
        app.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
