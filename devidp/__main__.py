"""python -m devidp: start the test identity provider, or add accounts and clients to its data
folder. ``python -m devidp --help`` and devidp/README.md say how."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

from devidp import config

DEFAULT_DATA = "esafety-data/devidp"


def _setup(data: str, style: str | None = None, tenant: str | None = None,
           host: str = "127.0.0.1", port: int = 8900, secret: str | None = None) -> None:
    os.environ["DEVIDP_DATA"] = str(Path(data).resolve())
    os.environ["DEVIDP_HOST"] = host
    os.environ["DEVIDP_PORT"] = str(port)
    for name, value in (("DEVIDP_STYLE", style), ("DEVIDP_TENANT", tenant),
                        ("DEVIDP_SECRET", secret)):
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "devidp.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _load_json(path: str) -> list[dict[str, Any]]:
    data = json.loads(Path(path).read_text())
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise SystemExit(f"{path}: expected a JSON list of objects")
    return data


def _serve(args: argparse.Namespace) -> None:
    if args.host not in ("127.0.0.1", "::1", "localhost") and not args.allow_non_loopback:
        raise SystemExit("devidp listens on loopback only (it is a test provider)")
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))  # port 0: any free port, reported below
    sock.listen(128)
    port = sock.getsockname()[1]
    host = "127.0.0.1" if args.host == "localhost" else args.host
    _setup(args.data, args.style, args.tenant, host, port, args.secret)

    from devidp import settings as conf
    from devidp import store

    for entry in _load_json(args.users) if args.users else []:
        store.add_user(entry["password"], entry.get("claims") or {}, entry.get("username"))
    for entry in _load_json(args.clients) if args.clients else []:
        store.add_client(entry["redirect_uris"], entry.get("client_id"),
                         entry.get("client_secret"), entry.get("name") or "")
    if args.mode:
        config.set_mode(conf.DATA_DIR, args.mode)

    ready = {"issuer": conf.ISSUER, "port": port, "style": conf.STYLE,
             "tenant": conf.TENANT, "pid": os.getpid(),
             "discovery": conf.ISSUER + "/.well-known/openid-configuration"}
    config._write_private(conf.DATA_DIR / "ready.json", json.dumps(ready).encode())
    print(f"devidp ({conf.STYLE}) issuer {conf.ISSUER}", flush=True)
    print(f"devidp discovery {ready['discovery']}", flush=True)
    print(f"devidp data {conf.DATA_DIR} (admin secret in admin-secret)", flush=True)

    if args.exit_with_parent:
        _exit_with_parent()

    import waitress
    from django.core.wsgi import get_wsgi_application

    waitress.serve(get_wsgi_application(), sockets=[sock], threads=8, ident="devidp",
                   _quiet=True)


def _exit_with_parent() -> None:
    """Stop when the process that started this one ends, however it ends (the demo or a test
    session killed without cleaning up must not leave a provider on the port)."""
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _adduser(args: argparse.Namespace) -> None:
    _setup(args.data, args.style, args.tenant)
    from devidp import store

    claims = json.loads(args.claims) if args.claims else {}
    for item in args.claim or []:
        key, _, value = item.partition("=")
        claims[key] = value
    print(json.dumps(store.add_user(args.password, claims, args.username), indent=2))


def _addclient(args: argparse.Namespace) -> None:
    _setup(args.data, args.style, args.tenant)
    from devidp import store

    print(json.dumps(store.add_client(args.redirect_uri, args.client_id, args.client_secret,
                                      args.name or ""), indent=2))


def _mode(args: argparse.Namespace) -> None:
    data = Path(args.data)
    if args.mode:
        config.set_mode(data, args.mode)
    print(config.get_mode(data))


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", default=DEFAULT_DATA,
                        help=f"data folder: keys, accounts, clients (default {DEFAULT_DATA})")
    parser.add_argument("--style", choices=config.STYLES,
                        help="claims and issuer shape; fixed when the data folder is made")
    parser.add_argument("--tenant", help="Entra tenant id (default: a new GUID)")


def _serve_options(parser: argparse.ArgumentParser) -> None:
    _common(parser)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900, help="0: any free port")
    parser.add_argument("--secret", help="shared secret of the /_devidp/ test endpoints "
                        "(default: made once, kept in DATA/admin-secret)")
    parser.add_argument("--users", help="JSON file: [{username?, password, claims}, ...]")
    parser.add_argument("--clients", help="JSON file: [{client_id?, client_secret?, "
                        "redirect_uris: [...]}, ...]")
    parser.add_argument("--mode", choices=config.MODES, help="start misbehaving at once")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when the process that started this one ends")
    parser.add_argument("--allow-non-loopback", action="store_true", help=argparse.SUPPRESS)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = ("serve", "adduser", "addclient", "mode")
    if not argv or argv[0] not in commands + ("-h", "--help"):
        argv.insert(0, "serve")
    parser = argparse.ArgumentParser(
        prog="python -m devidp",
        description="A test OpenID Connect provider for esafety. Never for production.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the provider (the default command)")
    _serve_options(serve)
    serve.set_defaults(func=_serve)

    adduser = sub.add_parser("adduser", help="add or update an account")
    _common(adduser)
    adduser.add_argument("--username", help="login name (default: preferred_username or email)")
    adduser.add_argument("--password", required=True)
    adduser.add_argument("--claims", help='JSON object, e.g. \'{"email": "a@b.sch.uk"}\'')
    adduser.add_argument("--claim", action="append", metavar="NAME=VALUE")
    adduser.set_defaults(func=_adduser)

    addclient = sub.add_parser("addclient", help="register a relying party")
    _common(addclient)
    addclient.add_argument("--redirect-uri", action="append", required=True)
    addclient.add_argument("--client-id")
    addclient.add_argument("--client-secret")
    addclient.add_argument("--name")
    addclient.set_defaults(func=_addclient)

    mode = sub.add_parser("mode", help="show or set the misbehaviour mode")
    mode.add_argument("--data", default=DEFAULT_DATA)
    mode.add_argument("mode", nargs="?", choices=config.MODES)
    mode.set_defaults(func=_mode)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
