"""The SMTP server side of `esafety mail filter`: a lean asyncio protocol, for Postfix's
after-queue content filter (Postfix's smtp client is the only peer, on loopback).

aiosmtpd reads a message one line at a time (a coroutine step per line: 204,000 reads for
1,700 messages) and answers each command through several layers; here the bytes are kept in
one buffer per connection and searched, so a message of any length costs a few searches:

- DATA ends at the first CRLF "." CRLF (RFC 5321 4.1.1.4); a line starting with a dot has
  that dot removed (4.5.2); a bare LF is data, as it is to aiosmtpd;
- PIPELINING (RFC 2920): commands sent together are answered in order, the answers
  written together; once a message is complete nothing more is read from the connection
  until its answer is written (the next commands wait in the kernel's buffer);
- SIZE (RFC 1870): a MAIL with a larger SIZE is refused (552), and a message that grows
  past the limit is read to its end and discarded, then refused (552, 4.2.5);
- a connection dropped mid-DATA leaves nothing: the message is never handed on;
- an idle connection is closed after `timeout` seconds (421), as aiosmtpd did.

Commands: EHLO, HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, VRFY, HELP. The answers to bad
sequences and syntax are aiosmtpd's own, so Postfix sees the same words as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger("esafety.mailfilter")

Deliver = Callable[[str, list[str], bytes], Awaitable[str]]

COMMAND_LIMIT = 4096  # bytes in a command line (RFC 5321 4.5.3.1.4 says 512; a margin)
END = b"\r\n.\r\n"


class Limits:
    def __init__(self, *, hostname: str, max_message: int, max_recipients: int,
                 timeout: float = 300.0):
        self.hostname = hostname
        self.max_message = max_message
        self.max_recipients = max_recipients
        self.timeout = timeout
        self.ehlo = "\r\n".join([f"250-{hostname}", f"250-SIZE {max_message}", "250-8BITMIME",
                                 "250-SMTPUTF8", "250-PIPELINING", "250 HELP"]) + "\r\n"


class Connections:
    """The open connections of one server, for the idle-timeout sweep."""

    def __init__(self) -> None:
        self.open: set[SMTPProtocol] = set()

    async def sweep(self, every: float = 10.0) -> None:
        while True:
            await asyncio.sleep(every)
            now = time.monotonic()
            for conn in list(self.open):
                if not conn.busy and now - conn.last > conn.limits.timeout:
                    conn.reply("421 4.4.2 Timeout: closing the connection")
                    conn.close()


def _address(text: str) -> tuple[str | None, str]:
    """(address, parameters) from `<addr> PARAMS` or `addr PARAMS`; None when malformed."""
    text = text.strip()
    if not text:
        return None, ""
    if text[0] != "<":
        addr, _, rest = text.partition(" ")
        return (addr if "<" not in addr and ">" not in addr else None), rest
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch == ">" and not quoted:
            addr = text[1:i]
            if addr.startswith("@") and ":" in addr:  # a source route: @a,@b:user@host
                addr = addr.split(":", 1)[1]
            return addr, text[i + 1:]
    return None, ""


def _params(text: str) -> dict[str, str | bool] | None:
    out: dict[str, str | bool] = {}
    for param in text.upper().split():
        name, eq, value = param.partition("=")
        if not name.isalnum() or (eq and not value):
            return None
        out[name] = value if eq else True
    return out


class SMTPProtocol(asyncio.Protocol):
    """One connection. `deliver(mail_from, rcpts, raw)` returns the answer to the message
    (it is awaited before anything more is read); mail_from is "" for the null sender."""

    def __init__(self, deliver: Deliver, limits: Limits, connections: Connections):
        self.deliver = deliver
        self.limits = limits
        self.connections = connections
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.out: list[str] = []
        self.greeted = False
        self.mail_from: str | None = None
        self.rcpts: list[str] = []
        self.in_data = False
        self.fresh = False  # nothing of the message read yet (it may be empty: ".")
        self.scan_from = 0  # where the search for the end of DATA resumes
        self.data_bytes = 0  # bytes of DATA discarded because the message is too big
        self.too_big = False
        self.discard_line = False  # a command line too long: skip to its end
        self.busy = False  # a message is being handled: read nothing more until answered
        self.closing = False
        self.last = time.monotonic()
        self.scans = 0  # searches of the buffer (a test counts them)

    # ------------------------------------------------------------------ transport
    def connection_made(self, transport) -> None:
        self.transport = transport
        self.connections.open.add(self)
        transport.write(f"220 {self.limits.hostname} ESMTP\r\n".encode())

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.open.discard(self)
        self.transport = None
        self.buf = bytearray()  # a message cut off mid-DATA is never handed on

    def data_received(self, data: bytes) -> None:
        self.last = time.monotonic()
        self.buf += data
        if not self.busy:
            self._run()

    def eof_received(self) -> bool:
        return False  # close (a half-finished message is dropped)

    def reply(self, line: str) -> None:
        if self.transport is not None:
            self.transport.write(line.encode("utf-8", "replace") + b"\r\n")

    def close(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.close()

    # ------------------------------------------------------------------ reading
    def _run(self) -> None:
        out = self.out
        while not self.closing and self.transport is not None:
            if self.in_data:
                if not self._data():
                    break
                if self.busy:
                    break
                continue
            end = self.buf.find(b"\n")
            if end < 0:
                if len(self.buf) > COMMAND_LIMIT:
                    if not self.discard_line:
                        out.append("500 5.5.2 Error: line too long")
                    self.discard_line = True
                    self.buf.clear()
                break
            line = bytes(self.buf[:end]).rstrip(b"\r")
            del self.buf[:end + 1]
            if self.discard_line:
                self.discard_line = False
                continue
            if len(line) > COMMAND_LIMIT:
                out.append("500 5.5.2 Error: line too long")
                continue
            self._command(line)
        if out and self.transport is not None:
            self.transport.write(("\r\n".join(out) + "\r\n").encode("utf-8", "replace"))
        out.clear()
        if self.closing and self.transport is not None:
            self.transport.close()

    def _data(self) -> bool:
        """Look for the end of the message; True when it was found (and handed on)."""
        buf = self.buf
        self.scans += 1
        if self.fresh and b".\r\n".startswith(bytes(buf[:3])):
            if len(buf) < 3:
                return False  # perhaps the end of an empty message: wait for more
            end, body = 0, b""
        else:
            self.fresh = False
            end = buf.find(END, self.scan_from)
            if end < 0:
                if len(buf) > self.limits.max_message + 4:
                    # Too big: read on to the end, keeping only the last bytes.
                    self.too_big = True
                    self.data_bytes += len(buf) - 4
                    del buf[:-4]
                self.scan_from = max(0, len(buf) - 4)
                return False
            end += 2
            body = bytes(buf[:end])
        del buf[:end + 3]
        self.in_data = False
        self.fresh = False
        self.scan_from = 0
        if self.too_big or self.data_bytes + end > self.limits.max_message:
            self.too_big = False
            self.data_bytes = 0
            self._reset()
            self.out.append("552 5.3.4 Error: Too much mail data")
            return True
        self.data_bytes = 0
        if body[:1] == b".":
            body = body[1:]
        if b"\r\n." in body:
            body = body.replace(b"\r\n.", b"\r\n")
        self._hand_on(body)
        return True

    def _hand_on(self, body: bytes) -> None:
        mail_from, rcpts = self.mail_from or "", self.rcpts
        self._reset()
        self.busy = True
        assert self.transport is not None
        self.transport.pause_reading()
        if self.out:  # answers already due go before the message's
            self.transport.write(("\r\n".join(self.out) + "\r\n").encode("utf-8", "replace"))
            self.out.clear()
        task = asyncio.ensure_future(self.deliver(mail_from, rcpts, body))
        task.add_done_callback(self._answered)

    def _answered(self, task: asyncio.Future) -> None:
        try:
            answer = task.result()
        except BaseException:  # noqa: BLE001 - the deliver callback must never raise
            log.exception("message not handled")
            answer = "451 4.3.0 Not checked yet: please try again later"
        self.busy = False
        self.last = time.monotonic()
        if self.transport is None:
            return  # the client went away: its mail server will send it again
        self.out.append(answer)
        self.transport.resume_reading()
        self._run()

    def _reset(self) -> None:
        self.mail_from = None
        self.rcpts = []

    # ------------------------------------------------------------------ commands
    def _command(self, line: bytes) -> None:
        out = self.out
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            out.append("500 5.5.2 Error: the command is not UTF-8")
            return
        verb, _, arg = text.partition(" ")
        verb = verb.upper()
        arg = arg.strip()
        if verb == "MAIL":
            self._mail(arg)
        elif verb == "RCPT":
            self._rcpt(arg)
        elif verb == "DATA":
            if not self.greeted:
                out.append("503 Error: send HELO first")
            elif not self.rcpts:
                out.append("503 Error: need RCPT command")
            elif arg:
                out.append("501 Syntax: DATA")
            else:
                out.append("354 End data with <CR><LF>.<CR><LF>")
                self.in_data = True
                self.fresh = True
        elif verb in ("EHLO", "HELO"):
            if not arg:
                out.append(f"501 Syntax: {verb} hostname")
            else:
                self.greeted = True
                self._reset()
                out.append(self.limits.ehlo[:-2] if verb == "EHLO"
                           else f"250 {self.limits.hostname}")
        elif verb == "RSET":
            self._reset()
            out.append("250 OK" if not arg else "501 Syntax: RSET")
        elif verb == "NOOP":
            out.append("250 OK")
        elif verb == "QUIT":
            out.append("221 Bye")
            self.closing = True
        elif verb == "VRFY":
            out.append("252 Cannot VRFY user, but will accept message and attempt delivery"
                       if arg else "501 Syntax: VRFY <address>")
        elif verb == "HELP":
            out.append("250 Supported commands: DATA EHLO HELO HELP MAIL NOOP QUIT RCPT RSET "
                       "VRFY")
        else:
            out.append(f'500 Error: command "{verb[:20]}" not recognized')

    def _mail(self, arg: str) -> None:
        out = self.out
        syntax = "501 Syntax: MAIL FROM: <address>"
        if not self.greeted:
            out.append("503 Error: send HELO first")
            return
        if arg[:5].upper() != "FROM:":
            out.append(syntax)
            return
        if self.mail_from is not None:
            out.append("503 Error: nested MAIL command")
            return
        address, rest = _address(arg[5:])
        if address is None:
            out.append(syntax)
            return
        params = _params(rest)
        if params is None:
            out.append(syntax)
            return
        body = params.pop("BODY", "7BIT")
        if body not in ("7BIT", "8BITMIME"):
            out.append("501 Error: BODY can only be one of 7BIT, 8BITMIME")
            return
        if params.pop("SMTPUTF8", True) is not True:
            out.append("501 Error: SMTPUTF8 takes no arguments")
            return
        size = params.pop("SIZE", None)
        if size is not None:
            if not isinstance(size, str) or not size.isdigit():
                out.append(syntax)
                return
            if int(size) > self.limits.max_message:
                out.append("552 Error: message size exceeds fixed maximum message size")
                return
        if params:
            out.append('555 MAIL FROM parameters not recognized or not implemented')
            return
        self.mail_from = "" if address == "<>" else address
        out.append("250 OK")

    def _rcpt(self, arg: str) -> None:
        out = self.out
        if not self.greeted:
            out.append("503 Error: send HELO first")
            return
        if self.mail_from is None:
            out.append("503 Error: need MAIL command")
            return
        if arg[:3].upper() != "TO:":
            out.append("501 Syntax: RCPT TO: <address>")
            return
        address, rest = _address(arg[3:])
        if not address:
            out.append("501 Syntax: RCPT TO: <address>")
            return
        if rest.strip():
            out.append("555 RCPT TO parameters not recognized or not implemented")
            return
        if len(self.rcpts) >= self.limits.max_recipients:
            out.append("452 4.5.3 Too many recipients: send the rest in another message")
            return
        self.rcpts.append(address)
        out.append("250 OK")
