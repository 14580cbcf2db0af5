"""`esafety mail monitor`: the SMTP receiver for monitoring copies of the school's mail.

    esafety mail monitor --listen 127.0.0.1:10027 --school hollins-park

Exchange Online journal reports, Google Workspace "also deliver to" copies and Postfix
`recipient_bcc_maps` / `always_bcc` copies are delivered here. Each is checked
(monitor.check_copy) and answered 250 only once whatever was found is durably recorded;
any failure (the database down, the disk full, a message that makes the checker fail) is
answered 451 so the sending server keeps the copy and tries again. Nothing a client sends
stops the service: aiosmtpd answers bad commands itself, and every failure in handling a
message is caught, logged (never the message's words) and answered 4xx.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger("esafety.mailmonitor")

DEFAULT_LISTEN = "127.0.0.1:10027"
DEFAULT_MAX_MB = 64
MAX_LINE = 256 * 1024  # bytes in one line of a message (beyond: 500, as aiosmtpd answers)
TEMPORARY_FAILURE = "451 4.3.0 The copy could not be checked and recorded; try again later"
ACCEPTED = "250 2.0.0 Checked"


class MonitorHandler:
    """aiosmtpd's handler: each message's check runs on a worker thread (Django's database
    calls may not run in the event loop), one message at a time per worker."""

    def __init__(self, snapshots: Any, *, workers: int = 1):
        self.snapshots = snapshots
        self.executor = ThreadPoolExecutor(max_workers=workers,
                                           thread_name_prefix="mail-monitor")
        self.accepted = 0
        self.failed = 0

    def _check(self, raw: bytes):
        from django.db import close_old_connections, connection

        from esafety.mailmonitor.monitor import check_copy

        close_old_connections()
        try:
            return check_copy(raw, self.snapshots)
        except BaseException:
            self.snapshots.forget()
            connection.close()  # a broken connection is not reused for the next message
            raise

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            outcome = await loop.run_in_executor(self.executor, self._check, raw)
        except Exception as exc:  # noqa: BLE001 - answer 4xx: the sender keeps it and retries
            self.failed += 1
            log.error("mail monitor: a copy could not be checked and recorded (%s: %s); "
                      "answered 451", type(exc).__name__, str(exc)[:200])
            return TEMPORARY_FAILURE
        self.accepted += 1
        if outcome.kept:
            log.info("mail monitor: kept captured message %s (%s)%s", outcome.captured_id,
                     outcome.reason,
                     f"; concerns {', '.join(outcome.concerns)}" if outcome.concerns else "")
        return ACCEPTED

    def close(self) -> None:
        self.executor.shutdown(wait=True)


def listen_address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{value!r} is not HOST:PORT (e.g. {DEFAULT_LISTEN})")
    return host.strip("[]"), int(port)


def controller(handler: MonitorHandler, host: str, port: int, *,
               max_bytes: int = DEFAULT_MAX_MB * 1024 * 1024) -> Any:
    """An aiosmtpd Controller (its own thread and event loop), not yet started."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class MonitorSMTP(SMTP):
        # RFC 5321 allows 1,000 characters a line, but Exchange and Google pass on longer
        # lines (unwrapped HTML); refusing them with 500 would bounce the copy to its sender.
        line_length_limit = MAX_LINE

    class MonitorController(Controller):
        def factory(self) -> SMTP:
            return MonitorSMTP(self.handler, **self.SMTP_kwargs)

    return MonitorController(handler, hostname=host, port=port,
                             server_hostname="esafety-mail-monitor", data_size_limit=max_bytes,
                             enable_SMTPUTF8=True, decode_data=False, timeout=300)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="esafety mail monitor",
        description="Receive monitoring copies of the school's mail over SMTP (Exchange "
                    "journal reports, Google Workspace routing copies, Postfix BCC copies), "
                    "check each one and record what is found as concerns. Copies with "
                    "nothing found are not kept.")
    parser.add_argument("--listen", type=listen_address, default=DEFAULT_LISTEN,
                        metavar="HOST:PORT", help=f"where to listen (default {DEFAULT_LISTEN})")
    parser.add_argument("--school", required=True, metavar="SLUG",
                        help="the school whose mail this is")
    parser.add_argument("--max-size", type=int, default=DEFAULT_MAX_MB, metavar="MB",
                        help=f"largest message accepted, in MB (default {DEFAULT_MAX_MB}); "
                             "larger ones are refused with 552")
    parser.add_argument("--workers", type=int, default=1, choices=range(1, 17), metavar="N",
                        help="messages checked at once (default 1)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esafety.settings")
    import django

    django.setup()
    from esafety.errors import EsafetyError
    from esafety.mailmonitor.monitor import Snapshots

    snapshots = Snapshots(args.school)
    try:
        snapshots.current()  # the school exists and the database answers, before listening
    except EsafetyError as exc:
        print(f"esafety mail monitor: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - one clear line, not a traceback
        print(f"esafety mail monitor: the database could not be read ({exc})", file=sys.stderr)
        return 2
    snapshots.forget()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    handler = MonitorHandler(snapshots, workers=args.workers)
    host, port = args.listen
    server = controller(handler, host, port, max_bytes=args.max_size * 1024 * 1024)
    try:
        server.start()
    except Exception as exc:  # noqa: BLE001
        print(f"esafety mail monitor: cannot listen on {host}:{port} ({exc})", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"esafety mail monitor: listening on {host}:{port} for {args.school}", file=sys.stderr)
    stop.wait()
    server.stop()
    handler.close()
    return 0
