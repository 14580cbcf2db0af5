"""Re-injection with BDAT (RFC 3030 CHUNKING) when the next hop offers it with PIPELINING,
as Debian's Postfix does: the envelope, `BDAT <n> LAST` and the message's bytes in one
write; the same delivered bytes and the same outcomes (smtplib's exceptions) as the DATA
path. Against a real Postfix (its own instance on loopback) and, for what Postfix cannot be
made to do (drop the connection once the message is sent), a small BDAT-only server here."""

import asyncio
import re
import smtplib
import socket
import time

import pytest

from esafety.mailfilter.relay import Connection, Relay
from tests.mailfilter import postfix
from tests.mailfilter.harness import Sink, run_async

pytestmark = [
    pytest.mark.postfix,
    pytest.mark.skipif(not postfix.available(),
                       reason="Debian postfix package not installed, or not running as root "
                              "(Postfix's master starts as root)"),
]

# The next hop refuses one sender at MAIL and one recipient at RCPT, for good.
REFUSING = """smtpd_delay_reject = no
smtpd_sender_restrictions = check_sender_access inline:{refused@outside.example=REJECT}
smtpd_relay_restrictions = check_recipient_access inline:{bad@d.example=REJECT},
    permit_mynetworks, reject
"""

# A whole SMTP transaction inside a message: a server reading BDAT's chunk as commands (a
# refused MAIL or RCPT, the chunk pipelined after them) would deliver it.
SMUGGLED = (b"\r\nMAIL FROM:<smuggler@outside.example>\r\nRCPT TO:<smuggled@school.example>"
            b"\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\nQUIT\r\n")


def wait_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def wait(predicate, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class NextHop:
    """Postfix's smtpd on loopback (relaying to a sink), and its log from a point on."""

    def __init__(self, pf: postfix.Postfix, sink: Sink):
        self.pf = pf
        self.sink = sink
        self.port = pf.reinject
        self.mark = 0

    def start_test(self) -> None:
        self.sink.handler.delivered.clear()
        self.mark = self.pf.log.stat().st_size if self.pf.log.exists() else 0

    def log(self) -> str:
        with open(self.pf.log, "rb") as f:
            f.seek(self.mark)
            return f.read().decode("utf-8", "replace")

    def sessions(self, count: int) -> list[str]:
        """The command counts Postfix logs as each of `count` connections ends, e.g.
        'ehlo=1 mail=1 rcpt=1 bdat=1 commands=4' (not wait_port's, which sent none)."""
        def found() -> list[str]:
            return [s for s in re.findall(r"disconnect from \S+ (.*)", self.log())
                    if s != "commands=0/0"]
        assert wait(lambda: len(found()) >= count)
        return found()


@pytest.fixture(scope="module")
def postfix_hop():
    with Sink() as sink, postfix.Postfix(sink.port, None, extra=REFUSING) as pf:
        wait_port(pf.reinject)
        yield NextHop(pf, sink)


@pytest.fixture
def hop(postfix_hop):
    postfix_hop.start_test()
    return postfix_hop


def header(n: int) -> bytes:
    return (b"From: a@outside.example\r\nTo: t@school.example\r\n"
            b"Date: Fri, 04 Dec 2026 09:00:00 +0000\r\n"
            b"Message-ID: <case-%d@test.invalid>\r\nX-Case: %d\r\nSubject: case %d\r\n\r\n"
            % (n, n, n))


CASES = [
    b".starts with a dot\r\n..two dots\r\n.\r\nafter a lone dot\r\nno final newline",
    b"ends with a lone dot line\r\n.",
    b"bare\nline feeds\n.\ndot after a bare LF\n",
    b"a long line " + b"x" * 5000 + b"\r\nend\r\n",
    b"",
]


def test_the_same_bytes_arrive_as_through_data_and_bdat_was_used(hop):
    async def send_all(chunking: bool):
        relay = Relay("127.0.0.1", hop.port, timeout=30, chunking=chunking)
        try:
            for n, body in enumerate(CASES):
                await relay.send("a@outside.example", ["t@school.example"], header(n) + body)
        finally:
            relay.close()

    def delivered() -> dict[bytes, bytes]:
        assert wait(lambda: len(hop.sink.delivered) == len(CASES))
        # From our first header on: Postfix's own Received line names its queue id and time
        return {re.search(rb"X-Case: (\d+)", d.raw)[1]: d.raw[d.raw.index(b"From: a@"):]
                for d in hop.sink.delivered}

    run_async(send_all(True))
    with_bdat = delivered()
    assert hop.sessions(1) == ["ehlo=1 mail=5 rcpt=5 bdat=5 commands=16"]
    hop.start_test()
    run_async(send_all(False))
    with_data = delivered()
    assert hop.sessions(1) == ["ehlo=1 mail=5 rcpt=5 data=5 commands=16"]

    assert with_bdat == with_data
    assert with_bdat[b"0"].endswith(b"\r\n.starts with a dot\r\n..two dots\r\n.\r\n"
                                    b"after a lone dot\r\nno final newline\r\n")
    assert with_bdat[b"1"].endswith(b"\r\nends with a lone dot line\r\n.\r\n")


def _refused_then_the_next(hop, mail_from: str, rcpts: list[str], error: type[Exception]):
    """Re-inject a message the next hop refuses, with a whole SMTP transaction smuggled in
    its chunk, then an ordinary one; the exception the first raised (`error`)."""
    async def test():
        relay = Relay("127.0.0.1", hop.port, timeout=30)
        try:
            with pytest.raises(error) as refused:
                await relay.send(mail_from, rcpts, header(0) + b"body" + SMUGGLED)
            await relay.send("a@outside.example", ["t@school.example"], header(1) + b"next\r\n")
            return refused.value
        finally:
            relay.close()

    return run_async(test())


def test_a_refused_sender_raises_and_the_chunk_is_never_read_as_commands(hop):
    refused = _refused_then_the_next(hop, "refused@outside.example", ["t@school.example"],
                                     smtplib.SMTPSenderRefused)
    assert refused.smtp_code == 554 and b"Sender address rejected" in refused.smtp_error
    assert refused.sender == "refused@outside.example"
    # the envelope, BDAT and its chunk went together; Postfix refused BDAT too (no MAIL) and
    # skipped its chunk: nothing smuggled. The next message went on a new connection.
    assert "ehlo=1 mail=0/1 rcpt=0/1 bdat=0/1 commands=1/4" in hop.sessions(2)
    assert wait(lambda: hop.sink.to("t@school.example"))
    time.sleep(1)
    assert [d.rcpts for d in hop.sink.delivered] == [["t@school.example"]]
    assert b"next" in hop.sink.delivered[0].raw


def test_every_recipient_refused_raises_and_the_chunk_is_never_read_as_commands(hop):
    recipients = _refused_then_the_next(hop, "a@outside.example", ["bad@d.example"],
                                        smtplib.SMTPRecipientsRefused).recipients
    assert list(recipients) == ["bad@d.example"] and recipients["bad@d.example"][0] == 554
    assert "ehlo=1 mail=1 rcpt=0/1 bdat=0/1 commands=2/4" in hop.sessions(2)
    assert wait(lambda: hop.sink.to("t@school.example"))
    time.sleep(1)
    assert [d.rcpts for d in hop.sink.delivered] == [["t@school.example"]]


def test_one_of_two_recipients_refused_is_returned_and_the_other_delivered(hop):
    async def test():
        conn = await Connection.open("127.0.0.1", hop.port, "test")
        try:
            refused = await conn.sendmail("a@outside.example",
                                          ["bad@d.example", "t@school.example"],
                                          header(0) + b"for one of two\r\n", False)
            # the connection is in a known state: it takes the next message
            again = await conn.sendmail("a@outside.example", ["t@school.example"],
                                        header(1) + b"again\r\n", False)
            return refused, again
        finally:
            conn.close()

    refused, again = run_async(test())
    assert list(refused) == ["bad@d.example"] and refused["bad@d.example"][0] == 554
    assert again == {}
    assert wait(lambda: len(hop.sink.delivered) == 2)
    assert sorted(d.rcpts for d in hop.sink.delivered) == [["t@school.example"]] * 2
    assert hop.sessions(1) == ["ehlo=1 mail=2 rcpt=2/3 bdat=2 commands=7/8"]


def test_a_kept_connection_postfix_closed_while_idle_is_not_used():
    """Postfix ends a connection idle for smtpd_timeout with a 421: the next message goes on
    a new connection, never answered with that 421 (the DATA path took it for MAIL's)."""
    with Sink() as sink, postfix.Postfix(sink.port, None, extra="smtpd_timeout = 1s\n") as pf:
        wait_port(pf.reinject)

        async def test():
            relay = Relay("127.0.0.1", pf.reinject, timeout=30)
            try:
                await relay.send("a@outside.example", ["t@school.example"], header(0))
                [kept] = relay.idle
                for _ in range(600):  # Postfix's 421 and the end, after its 1 s timeout
                    if kept.ended:
                        break
                    await asyncio.sleep(0.05)
                await relay.send("a@outside.example", ["t@school.example"], header(1))
            finally:
                relay.close()

        run_async(test())
        assert wait(lambda: len(sink.delivered) == 2)
        assert "timeout after" in pf.log.read_text()


class BdatOnly:
    """A next hop that takes mail only with BDAT (aiosmtpd has no CHUNKING): it records every
    read and every chunk, and may end a connection after a message without a word."""

    def __init__(self, drop_after_chunk: int | None = None, idle_close_after: int | None = None):
        self.drop_after_chunk = drop_after_chunk  # end the connection once this chunk is read
        self.idle_close_after = idle_close_after  # 421 and end once this chunk is answered
        self.reads: list[bytes] = []
        self.chunks: list[bytes] = []
        self.connections = 0
        self.sessions: list[asyncio.Task] = []

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.connections += 1
        self.sessions.append(asyncio.current_task())
        writer.write(b"220 bdat.test ESMTP\r\n")
        buffer = b""
        try:
            while data := await reader.read(1 << 20):
                self.reads.append(data)
                buffer += data
                answers = []
                while (end := buffer.find(b"\r\n")) >= 0:
                    words = buffer[:end].split()
                    verb = words[0].upper() if words else b""
                    if verb == b"BDAT":
                        size = int(words[1])
                        if len(buffer) < end + 2 + size:
                            break
                        self.chunks.append(buffer[end + 2:end + 2 + size])
                        buffer = buffer[end + 2 + size:]
                        if len(self.chunks) == self.drop_after_chunk:
                            return  # no answer at all, not even to MAIL
                        answers.append(b"250 2.0.0 Ok: queued\r\n")
                        if len(self.chunks) == self.idle_close_after:
                            writer.write(b"".join(answers))
                            await asyncio.sleep(0.2)
                            writer.write(b"421 4.4.2 bdat.test Error: timeout exceeded\r\n")
                            return
                        continue
                    buffer = buffer[end + 2:]
                    if verb == b"EHLO":
                        answers.append(b"250-bdat.test\r\n250-PIPELINING\r\n250-SIZE 10000000"
                                       b"\r\n250 CHUNKING\r\n")
                    elif verb == b"RCPT" and b"closing@" in words[1]:
                        answers.append(b"421 4.3.2 bdat.test Service shutting down\r\n")
                        writer.write(b"".join(answers))
                        return
                    elif verb in (b"MAIL", b"RCPT"):
                        answers.append(b"250 2.1.0 Ok\r\n")
                    else:
                        answers.append(b"502 5.5.2 Error: command not recognized\r\n")
                writer.write(b"".join(answers))
        finally:
            writer.close()


async def with_bdat_only(server: BdatOnly, test):
    listener = await asyncio.start_server(server.session, "127.0.0.1", 0)
    relay = Relay("127.0.0.1", listener.sockets[0].getsockname()[1], timeout=10)
    try:
        return await test(relay)
    finally:
        relay.close()
        listener.close()
        await asyncio.wait(server.sessions, timeout=10)  # each ends at the relay's close


def test_envelope_bdat_and_the_message_go_in_one_write_and_the_connection_is_kept():
    server = BdatOnly()
    raw = header(0) + b".a dot\r\n.\r\nno final newline"

    async def test(relay):
        await relay.send("a@outside.example", ["t@school.example", "u@school.example"], raw)
        await relay.send("", ["t@school.example"], b"second\r\n")

    run_async(with_bdat_only(server, test))
    assert server.connections == 1
    body = raw + b"\r\n"
    assert (b"mail FROM:<a@outside.example> size=%d\r\nrcpt TO:<t@school.example>\r\n"
            b"rcpt TO:<u@school.example>\r\nBDAT %d LAST\r\n" % (len(raw), len(body))
            + body) in server.reads
    assert server.chunks == [body, b"second\r\n"]


def test_a_connection_dropped_after_the_message_went_is_never_sent_again():
    """Even a kept connection: the message may have been taken (the 4xx this raises makes
    Postfix try again later: at worst a duplicate, never a loss)."""
    server = BdatOnly(drop_after_chunk=2)

    async def test(relay):
        await relay.send("a@outside.example", ["t@school.example"], b"first\r\n")
        with pytest.raises(smtplib.SMTPServerDisconnected):
            await relay.send("a@outside.example", ["t@school.example"], b"second\r\n")
        return relay.idle

    assert run_async(with_bdat_only(server, test)) == []
    assert server.chunks == [b"first\r\n", b"second\r\n"]
    assert server.connections == 1


def test_a_kept_connection_closed_while_idle_is_found_before_the_message_is_sent():
    server = BdatOnly(idle_close_after=1)

    async def test(relay):
        await relay.send("a@outside.example", ["t@school.example"], b"first\r\n")
        for _ in range(200):
            if relay.idle[0].ended:
                break
            await asyncio.sleep(0.05)
        await relay.send("a@outside.example", ["t@school.example"], b"second\r\n")

    run_async(with_bdat_only(server, test))
    assert server.chunks == [b"first\r\n", b"second\r\n"]
    assert server.connections == 2


def test_a_421_to_a_recipient_raises_at_once_and_the_connection_is_not_kept():
    server = BdatOnly()

    async def test(relay):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            await relay.send("a@outside.example", ["t@school.example", "closing@school.example",
                                                   "u@school.example"], b"x\r\n")
        return refused.value.recipients, relay.idle

    recipients, idle = run_async(with_bdat_only(server, test))
    assert list(recipients) == ["closing@school.example"]
    assert recipients["closing@school.example"][0] == 421
    assert idle == [] and server.chunks == []


@pytest.mark.skipif(not hasattr(socket, "TCP_QUICKACK"), reason="Linux only")
def test_quick_acknowledgement_is_asked_for_after_each_write_of_a_message():
    """Else Postfix's answer to BDAT waits for our delayed ACK (40 ms) whenever the chunk
    does not fit in its first read: measured in benchmarks/MAIL.md, never timed here."""
    calls = []

    class Recording:
        def __init__(self, sock):
            self.sock = sock

        def setsockopt(self, *args):
            calls.append(args)
            self.sock.setsockopt(*args)

    async def test(relay):
        await relay.send("a@outside.example", ["t@school.example"], b"first\r\n")
        [kept] = relay.idle
        kept.sock = Recording(kept.sock)
        await relay.send("a@outside.example", ["t@school.example"], b"second\r\n")
        await relay.send("a@outside.example", ["t@school.example"], b"x" * 20000 + b"\r\n")

    run_async(with_bdat_only(BdatOnly(), test))
    assert calls == [(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)] * 2
