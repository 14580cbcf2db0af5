"""`esafety mail filter`: Postfix's after-queue content filter, over SMTP (aiosmtpd's server
with DATA read in blocks, smtp.py; re-injection through relay.py).

    esafety mail filter --listen 127.0.0.1:10025 --next-hop 127.0.0.1:10026 --school SLUG

Postfix hands each message to this server (`content_filter =
esafety-filter:[127.0.0.1]:10025`, contrib/mail/README.md); the server decides
(esafety/mailfilter/engine.py) and answers only when the outcome is safe on disk or in
Postfix's hands again:

- pass: re-injected into Postfix's second smtpd (the next hop), THEN 250;
- hold: written to the held store (0600, fsync'd), THEN 250; the sender is told;
- return / refuse: the notices re-injected, THEN 250;
- anything failing (no snapshot, the checker raising, the next hop down, out of memory):
  451, so Postfix keeps the message and tries again. Staff mail may pass unchecked instead
  when the school chose fail-open; a pupil's never does.

Killed at any moment, the worst case is a message re-injected whose 250 never reached
Postfix: Postfix sends it again (a duplicate, never a loss). A held message is stored under
a name made from its own bytes, so holding it twice keeps one copy.

Never loads Django: it reads the snapshot the web app publishes, and leaves what the school
must know (held messages, findings that raise concerns) as small files in `events/`, which
`esafety mail filter ingest` (and the scheduled job) loads in batches.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import datetime
import email.policy
import hashlib
import json
import logging
import os
import signal
import smtplib
import socket
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from esafety.checks.concern_rules import concern_findings
from esafety.datadir import data_dir
from esafety.engine.messages.directory import STAFF_LIKE
from esafety.mailfilter import engine, notices
from esafety.mailfilter.reinjection import needs_utf8
from esafety.mailfilter.relay import Relay, raise_if_retry
from esafety.mailfilter.smtp import FilterSMTP, Handler

log = logging.getLogger("esafety.mailfilter")

HELD_DIR = "held"
EVENTS_DIR = "events"
MAX_MESSAGE = 100 * 1024 * 1024
TEMPFAIL = "451 4.3.0 Not checked yet: please try again later"
# The same message failing the check this many times (each time Postfix offers it, minutes
# apart) is held for a person to read, not answered 451 until Postfix gives up days later.
HOLD_AFTER_FAILURES = 3
MAX_REMEMBERED_FAILURES = 10_000
PASSED = "250 2.0.0 Checked and passed on"
ANSWERS = {engine.PASS: PASSED,
           engine.HOLD: "250 2.0.0 Held for review",
           engine.REFUSE: "250 2.0.0 Not sent: the sender has been told why",
           engine.RETURN: "250 2.0.0 Returned to the sender for a revised version"}
# Messages up to this size are checked in the event loop's own thread (about a millisecond:
# no hand-over to a worker thread, no wait for the GIL); larger ones in a worker thread, so
# a big message never holds up the other connections.
INLINE_LIMIT = 512 * 1024


def school_folder(base: Path, school: str) -> Path:
    return base / "mailfilter" / school


def _write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only, durably, in one step (tmp, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        dirfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def message_key(mail_from: str, rcpts: list[str], raw: bytes) -> str:
    """The same message (envelope and bytes) always gets the same key."""
    digest = hashlib.sha256()
    digest.update(mail_from.encode("utf-8", "replace") + b"\0")
    digest.update("\0".join(rcpts).encode("utf-8", "replace") + b"\0")
    digest.update(raw)
    return digest.hexdigest()[:40]


@dataclass
class Config:
    school: str
    folder: Path
    next_hop: tuple[str, int]
    rulebook: str | None = None
    timeout: float = 60.0


class Filter:
    """The decisions and their effects, shared by every connection (thread-safe)."""

    def __init__(self, config: Config, pass_on: bool = True):
        self.config = config
        # The content filter passes a message on by re-injecting it; a milter by answering
        # "continue" (Postfix queues it): pass_on=False.
        self.pass_on = pass_on
        self._snapshot_path = str(config.folder / engine.SNAPSHOT_FILE)
        self._snapshot: engine.FilterSnapshot | None = None
        self._lock = threading.Lock()
        self._local = threading.local()
        self._failures: dict[str, int] = {}  # message key: times the checker failed on it

    # -------------------------------------------------------------- snapshot
    def snapshot(self) -> engine.FilterSnapshot:
        """The published snapshot, reloaded when a new one is published."""
        # (A string path made once: a pathlib join and stat a message cost twice the
        # system call itself.)
        path = self._snapshot_path
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            raise engine.SnapshotMissing(f"no snapshot at {path}: publish one with "
                                         f"`esafety mail filter publish --school "
                                         f"{self.config.school}`") from None
        with self._lock:
            if self._snapshot is None or self._snapshot.mtime != mtime:
                self._snapshot = engine.load(path, self.config.rulebook)
            return self._snapshot

    # -------------------------------------------------------------- one message
    def process(self, mail_from: str, rcpts: list[str], raw: bytes) -> str:
        """The SMTP answer for one message; never raises."""
        return self._guarded(self._process, mail_from, mail_from, rcpts, raw)

    def process_decided(self, snapshot: engine.FilterSnapshot, decision: engine.Decision,
                        mail_from: str, rcpts: list[str], raw: bytes) -> str:
        """The SMTP answer for a message already decided (its effects); never raises."""
        return self._guarded(self._apply, mail_from, snapshot, decision, mail_from, rcpts, raw)

    def _guarded(self, func, mail_from: str, *args) -> str:
        try:
            return func(*args)
        except MemoryError:
            return TEMPFAIL
        except Exception as exc:  # noqa: BLE001 - anything at all: Postfix keeps it
            return self.answer_for(exc, mail_from)

    @staticmethod
    def answer_for(exc: Exception, mail_from: str) -> str:
        """The answer when handling a message failed: 4xx (Postfix keeps it and tries
        again), except a refusal for good from the next hop, passed back as 5xx."""
        if isinstance(exc, (smtplib.SMTPDataError, smtplib.SMTPSenderRefused)):
            if 500 <= exc.smtp_code < 600:
                # The next hop refused it for good: say so, and Postfix tells the sender
                # (retrying would never end).
                reason = exc.smtp_error.decode("utf-8", "replace")[:200] if isinstance(
                    exc.smtp_error, bytes) else str(exc.smtp_error)[:200]
                return f"554 5.6.0 The next mail server refused this message: {reason}"
            log.warning("the next hop answered %s; 451", exc.smtp_code)
            return TEMPFAIL
        log.error("message from %s not checked: %s", mail_from, exc, exc_info=exc)
        return TEMPFAIL

    def _process(self, mail_from: str, rcpts: list[str], raw: bytes) -> str:
        snapshot = self.snapshot()
        try:
            decision = engine.decide(snapshot, mail_from, rcpts, raw)
        except Exception as exc:
            member = snapshot.directory.member(mail_from)
            if snapshot.staff_fail_open and member is not None and member.role in STAFF_LIKE:
                log.exception("staff message from %s passed unchecked (fail-open)", mail_from)
                if self.pass_on:
                    self.reinject(mail_from, rcpts, raw)
                self._event({"outcome": "passed_unchecked", "sender": mail_from,
                             "recipients": rcpts[:200]})
                return "250 2.0.0 Passed unchecked (the school chose fail-open for staff)"
            attempts = self._failed(message_key(mail_from, rcpts, raw), exc)
            if attempts < HOLD_AFTER_FAILURES:
                raise
            log.exception("message from %s not checked %d times: held", mail_from, attempts)
            decision = engine.not_checked(snapshot, mail_from, attempts, exc)
        return self._apply(snapshot, decision, mail_from, rcpts, raw)

    def _failed(self, key: str, exc: Exception) -> int:
        """How many times the checker has now failed on this message (0 for a failure that
        may pass on a retry: memory, files, the network)."""
        if isinstance(exc, (MemoryError, OSError)):
            return 0
        with self._lock:
            count = self._failures.pop(key, 0) + 1
            self._failures[key] = count  # (most recent last: the oldest go first)
            while len(self._failures) > MAX_REMEMBERED_FAILURES:
                del self._failures[next(iter(self._failures))]
        return count

    def _apply(self, snapshot: engine.FilterSnapshot, decision: engine.Decision,
               mail_from: str, rcpts: list[str], raw: bytes) -> str:
        key = message_key(mail_from, rcpts, raw)
        subject = decision.subject
        sender = mail_from or ""
        outcome = decision.outcome
        if outcome == engine.PASS:
            if self.pass_on:
                self.reinject(mail_from, rcpts, raw)
        elif outcome == engine.HOLD:
            self._hold(key, mail_from, rcpts, raw)
            # No notice to an outside sender (it may be forged: no backscatter).
            if sender and decision.audience in ("staff", "pupils"):
                self._notice(notices.held_to_sender(snapshot, decision, sender, rcpts, subject))
        elif outcome == engine.REFUSE:
            if sender:
                self._notice(notices.refused_to_pupil(snapshot, decision, sender, subject))
        elif outcome == engine.RETURN:
            sender = decision.return_to
            self._notice(notices.returned_to_sender(snapshot, decision, sender, subject, raw))
            for rcpt in rcpts[:50]:
                if snapshot.directory.is_internal(rcpt):
                    self._notice(notices.returned_to_recipient(snapshot, decision, rcpt,
                                                               sender, subject))
        self._record(key, decision, mail_from, rcpts, subject)
        return ANSWERS[outcome]

    # -------------------------------------------------------------- effects
    def _connection(self) -> smtplib.SMTP:
        """This worker thread's connection to the next hop, kept open between messages
        (a new SMTP session per message costs the mail server more than the message)."""
        smtp = getattr(self._local, "smtp", None)
        if smtp is None:
            host, port = self.config.next_hop
            smtp = smtplib.SMTP(host, port, timeout=self.config.timeout,
                                local_hostname="esafety-mail-filter")
            smtp.ehlo()
            self._local.smtp = smtp
        return smtp

    def _drop_connection(self) -> None:
        smtp = getattr(self._local, "smtp", None)
        self._local.smtp = None
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass

    def reinject(self, mail_from: str, rcpts: list[str], raw: bytes) -> None:
        """Hand the message back to the mail server; raises unless every recipient is
        accepted or refused for good (a 4xx for any means: try the whole message again)."""
        for attempt in (1, 2):
            reused = getattr(self._local, "smtp", None) is not None
            smtp = self._connection()
            options = ["SMTPUTF8"] if smtp.has_extn("smtputf8") and needs_utf8(
                mail_from, rcpts) else []
            try:
                refused = smtp.sendmail(mail_from, rcpts, raw, mail_options=options)
                break
            except smtplib.SMTPServerDisconnected:
                # A kept connection the server closed while idle: once more, on a new one.
                self._drop_connection()
                if attempt == 2 or not reused:
                    raise
            except BaseException:
                self._drop_connection()
                raise
        raise_if_retry(refused)

    def _notice(self, message: EmailMessage) -> None:
        raw = message.as_bytes(policy=email.policy.SMTP)  # CRLF: smtplib sends bytes as given
        self.reinject("", [str(message["To"])], raw)

    def _hold(self, key: str, mail_from: str, rcpts: list[str], raw: bytes) -> None:
        held = self.config.folder / HELD_DIR
        meta = {"key": key, "mail_from": mail_from, "rcpts": rcpts,
                "next_hop": list(self.config.next_hop),
                "held_at": datetime.datetime.now(datetime.UTC).isoformat()}
        _write_private(held / f"{key}.eml", raw)
        _write_private(held / f"{key}.json", json.dumps(meta).encode())

    def _record(self, key: str, decision: engine.Decision, mail_from: str,
                rcpts: list[str], subject: str) -> None:
        """What the school must know, left for the batch loader: held, returned and refused
        messages, and findings that mean someone may be at risk."""
        concerns = concern_findings(decision.verdict)
        if decision.outcome == engine.PASS and not concerns:
            return
        findings = {id(f): f for f in decision.findings + concerns}
        event = {
            "key": key, "outcome": decision.outcome, "audience": decision.audience,
            "private": decision.private, "sender": mail_from,
            "recipients": rcpts[:200],
            "recipient_count": len(rcpts), "subject": "" if decision.private else subject,
            "read_as": decision.verdict.read_as, "reason": decision.reason,
            "verdict": decision.verdict.verdict, "rating": decision.verdict.rating,
            "sender_known": decision.sender_known, "unapproved": decision.unapproved[:50],
            "decided_by": [f.rule.id for f in decision.findings],
            "findings": [{"rule": f.rule.id, "rating": f.rating,
                          "evidence": [{"part": e.part, "excerpt": e.excerpt}
                                       for e in f.evidence[:3]]}
                         for f in findings.values()],
        }
        self._event(event)

    def _event(self, event: dict) -> None:
        event.setdefault("at", datetime.datetime.now(datetime.UTC).isoformat())
        name = f"{event['at'].replace(':', '')}-{event.get('key') or os.urandom(8).hex()}.json"
        _write_private(self.config.folder / EVENTS_DIR / name, json.dumps(event).encode())


class Service:
    """Each message as it arrives: checked in the event loop's thread when it is small
    (most mail), and passed on through the loop's own kept connections to the next hop
    (a milter has none: relay None, Postfix queues what passes); held, returned and refused
    messages, findings to record, big messages and failures go to a worker thread (files
    written and fsync'd, notices built and sent)."""

    def __init__(self, flt: Filter, pool: concurrent.futures.Executor, relay: Relay | None,
                 inline_limit: int = INLINE_LIMIT):
        self.filter = flt
        self.pool = pool
        self.relay = relay
        self.inline_limit = inline_limit

    async def deliver(self, mail_from: str, rcpts: list[str], raw: bytes) -> str:
        if len(raw) <= self.inline_limit:
            try:
                snapshot = self.filter.snapshot()
                decision = engine.decide(snapshot, mail_from, rcpts, raw)
            except Exception:  # noqa: BLE001 - the worker's path answers (fail-open or 451)
                return await self._in_pool(self.filter.process, mail_from, rcpts, raw)
            if decision.outcome == engine.PASS and not concern_findings(decision.verdict):
                if self.relay is None:
                    return PASSED
                try:
                    await self.relay.send(mail_from, rcpts, raw)
                except Exception as exc:  # noqa: BLE001 - 4xx (or the next hop's 5xx)
                    return self.filter.answer_for(exc, mail_from)
                return PASSED
            return await self._in_pool(self.filter.process_decided, snapshot, decision,
                                       mail_from, rcpts, raw)
        return await self._in_pool(self.filter.process, mail_from, rcpts, raw)

    async def _in_pool(self, func, *args) -> str:
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, func, *args)
        except Exception:  # noqa: BLE001 - the pool itself failing: Postfix keeps it
            log.exception("message not checked")
            return TEMPFAIL


def _address(value: str, what: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"{what} must be HOST:PORT, e.g. 127.0.0.1:10025")
    return host.strip("[]") or "127.0.0.1", int(port)


async def serve(config: Config, listen: tuple[str, int], workers: int,
                ready: threading.Event | None = None,
                stop: asyncio.Event | None = None,
                sock: socket.socket | None = None) -> None:
    flt = Filter(config)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers,
                                                 thread_name_prefix="mail-filter")
    # As many connections to the next hop as worker threads (each thread keeps one too).
    relay = Relay(*config.next_hop, timeout=config.timeout, connections=workers)
    service = Service(flt, pool, relay)
    handler = Handler(service.deliver, engine.MAX_ENVELOPE_RECIPIENTS)

    def protocol() -> FilterSMTP:
        return FilterSMTP(handler, data_size_limit=MAX_MESSAGE, enable_SMTPUTF8=True,
                          decode_data=False, hostname="esafety-mail-filter", timeout=300)

    try:
        await serve_until_stopped(protocol, listen, sock, ready, stop)
    finally:
        relay.close()
        pool.shutdown(wait=True)


async def serve_until_stopped(protocol: Callable[[], asyncio.BaseProtocol],
                              listen: tuple[str, int], sock: socket.socket | None,
                              ready: threading.Event | None,
                              stop: asyncio.Event | None) -> None:
    """Accept connections (on `sock` when one of several processes shares it) until
    SIGTERM, SIGINT or `stop`, then stop accepting and wait for the connections to end."""
    loop = asyncio.get_running_loop()
    if sock is not None:  # one of several processes sharing the listening socket
        server = await loop.create_server(protocol, sock=sock)
    else:
        server = await loop.create_server(protocol, *listen, reuse_address=True)
    stop = stop or asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread (tests): the caller stops it
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="esafety mail filter",
        description="Postfix's after-queue content filter (or, with --milter, a milter of "
                    "its smtpd): checks each message against the school's published snapshot "
                    "and passes, holds, returns or refuses it; answers 4xx whenever anything "
                    "fails so the message is kept and tried again. "
                    "(`esafety mail filter publish|ingest --school SLUG` are the web app's "
                    "side.)")
    parser.add_argument("--listen", default="127.0.0.1:10025", metavar="HOST:PORT")
    parser.add_argument("--next-hop", default="127.0.0.1:10026", metavar="HOST:PORT",
                        help="Postfix's re-injection smtpd (content_filter empty there)")
    parser.add_argument("--school", required=True, metavar="SLUG")
    parser.add_argument("--data-dir", metavar="PATH",
                        help="esafety's data folder (default: $ESAFETY_DATA_DIR)")
    parser.add_argument("--rulebook", metavar="PATH", help="use this rulebook file")
    parser.add_argument("--workers", type=int, default=4,
                        help="messages checked at once in each process (default 4)")
    parser.add_argument("--milter", action="store_true",
                        help="be a milter (Postfix's smtpd_milters, before the queue) instead "
                             "of an after-queue content filter: Postfix queues each message "
                             "once, not twice; --next-hop is then where notices and released "
                             "messages go (Postfix's re-injection smtpd)")
    parser.add_argument("--processes", type=int, default=1,
                        help="processes sharing the port (default 1; one per CPU core for "
                             "the most messages a second)")
    args = parser.parse_args(argv)
    try:
        listen = _address(args.listen, "--listen")
        next_hop = _address(args.next_hop, "--next-hop")
    except argparse.ArgumentTypeError as exc:
        print(f"esafety mail filter: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s esafety-mail-filter %(levelname)s %(message)s")
    # aiosmtpd logs every connection, command and disconnection at INFO (six or more lines
    # a message, formatted and written in the event loop's thread): warnings only.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    base = Path(args.data_dir) if args.data_dir else data_dir()
    config = Config(school=args.school, folder=school_folder(base, args.school),
                    next_hop=next_hop, rulebook=args.rulebook)
    try:
        Filter(config).snapshot()
    except engine.SnapshotMissing as exc:
        # Start anyway: every message is answered 4xx (kept by Postfix) until one exists.
        print(f"esafety mail filter: {exc}; answering 4xx until it is published",
              file=sys.stderr)
    try:
        if args.processes > 1:
            from esafety.mailfilter.processes import serve_processes

            return serve_processes(config, listen, max(1, args.workers), args.processes,
                                   milter=args.milter)
        if args.milter:
            from esafety.mailfilter import milter

            asyncio.run(milter.serve(config, listen, max(1, args.workers)))
        else:
            asyncio.run(serve(config, listen, max(1, args.workers)))
    except OSError as exc:
        print(f"esafety mail filter: cannot listen on {args.listen}: {exc.strerror}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
