"""The filter's SMTP server (aiosmtpd's, DATA read in blocks: esafety/mailfilter/smtp.py),
byte by byte: the end of DATA, dot-unstuffing, bare LF, pipelining, SIZE, long lines,
dropped connections, and DATA read in a few block reads (not a read per line). A fake
transport: no sockets, no timing."""

import asyncio

import pytest

from esafety.mailfilter.smtp import FilterSMTP, Handler, has_long_line, unstuff
from tests.mailfilter.harness import run_async


class FakeTransport(asyncio.Transport):
    def __init__(self, protocol):
        super().__init__()
        self.protocol = protocol
        self.written = b""
        self.writes = 0
        self.closed = False

    def write(self, data):
        self.written += data
        self.writes += 1

    def is_closing(self):
        return self.closed

    def close(self):
        if not self.closed:
            self.closed = True
            asyncio.get_running_loop().call_soon(self.protocol.connection_lost, None)

    def get_extra_info(self, name, default=None):
        return ("127.0.0.1", 25) if name == "peername" else default

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass

    def lines(self) -> list[str]:
        return self.written.decode().split("\r\n")[:-1]


def aiosmtpd_content(wire: bytes) -> bytes:
    """What aiosmtpd's own DATA made of the same bytes (up to the end mark): lines split at
    CRLF, one leading dot removed from each."""
    lines = wire.split(b"\r\n")
    assert lines[-2:] == [b".", b""]
    lines = lines[:-2]
    return b"".join((line[1:] if line.startswith(b".") else line) + b"\r\n" for line in lines)


class Server:
    """A FilterSMTP on a fake transport; must be made inside a running event loop."""

    def __init__(self, answer="250 2.0.0 Checked and passed on", max_message=10_000_000,
                 max_recipients=10_000, smtp_class=FilterSMTP):
        self.got: list[tuple[str, list[str], bytes]] = []
        self.answer = answer
        self.release: asyncio.Event | None = None
        self.proto = smtp_class(Handler(self.deliver, max_recipients),
                                data_size_limit=max_message, enable_SMTPUTF8=True,
                                decode_data=False, hostname="filter.test")
        self.transport = FakeTransport(self.proto)
        self.proto.connection_made(self.transport)

    async def deliver(self, mail_from, rcpts, raw):
        self.got.append((mail_from, rcpts, raw))
        if self.release is not None:
            await self.release.wait()
        return self.answer

    async def feed(self, data: bytes, step: int | None = None):
        for i in range(0, len(data), step or len(data) or 1):
            self.proto.data_received(data[i:i + (step or len(data))])
            await asyncio.sleep(0)  # the server may read each piece on its own
        await settle()


async def settle():
    for _ in range(10):
        await asyncio.sleep(0)


ENVELOPE = b"EHLO postfix\r\nMAIL FROM:<a@outside.example>\r\nRCPT TO:<t@school.example>\r\nDATA\r\n"
WIRE = (b"Subject: dots\r\n\r\n..leading dot line\r\n..\r\n..\r\nbare\nLF\n.\nstill data\r\n"
        b"last line\r\n.\r\n")


@pytest.mark.parametrize("step", [None, 1, 2, 3, 7])
def test_the_message_is_what_aiosmtpd_made_of_the_same_bytes_in_any_chunks(step):
    async def go():
        server = Server()
        await server.feed(ENVELOPE + WIRE, step)
        return server

    server = run_async(go())
    [(mail_from, rcpts, raw)] = server.got
    assert (mail_from, rcpts) == ("a@outside.example", ["t@school.example"])
    assert raw == aiosmtpd_content(WIRE)
    assert b"bare\nLF\n.\nstill data" in raw  # a bare LF is data, "." after it is not the end
    assert server.transport.lines()[-1] == "250 2.0.0 Checked and passed on"


@pytest.mark.parametrize("wire", [b".\r\n", b"\r\n.\r\n", b"x\r\n.\r\n", b"\r\n\r\n.\r\n",
                                  b".x\r\n.\r\n", b"..\r\n.\r\n", b"\r.\r\n.\r\n",
                                  b"\r\n..\r\n.\r\n", b"a.\r\n.\r\n"])
@pytest.mark.parametrize("step", [None, 1])
def test_short_messages_and_an_end_mark_at_the_very_start(wire, step):
    async def go():
        server = Server()
        await server.feed(ENVELOPE + wire + b"NOOP\r\n", step)
        return server

    server = run_async(go())
    assert [raw for _, _, raw in server.got] == [aiosmtpd_content(wire)]
    assert server.transport.lines()[-2:] == ["250 2.0.0 Checked and passed on", "250 OK"]


def test_a_lone_dot_line_ends_the_message_and_what_follows_is_the_next_command():
    async def go():
        server = Server()
        await server.feed(ENVELOPE + b"Subject: x\r\n\r\nbody\r\n.\r\nNOOP\r\n")
        return server

    server = run_async(go())
    assert server.got[0][2] == b"Subject: x\r\n\r\nbody\r\n"
    assert server.transport.lines()[-2:] == ["250 2.0.0 Checked and passed on", "250 OK"]


def test_an_empty_message_is_handed_on_empty():
    async def go():
        server = Server()
        await server.feed(ENVELOPE + b".\r\n", step=1)
        return server

    assert run_async(go()).got[0][2] == b""


def test_pipelined_commands_are_answered_in_order_and_nothing_more_is_answered_during_the_check():
    async def go():
        server = Server()
        server.release = asyncio.Event()
        await settle()  # the greeting
        await server.feed(ENVELOPE)
        writes = server.transport.writes
        await server.feed(b"Subject: x\r\n\r\nhi\r\n.\r\nRSET\r\nQUIT\r\n")
        before = server.transport.lines()
        server.release.set()
        await settle()
        return server, before, writes

    server, before, writes = run_async(go())
    # The greeting, then the answers to EHLO, MAIL, RCPT and DATA (sent together) in one
    # write: separate small answers stall Postfix's pipelined commands (a delayed ACK).
    assert writes == 2
    assert before[-3:] == ["250 OK", "250 OK", "354 End data with <CR><LF>.<CR><LF>"]
    assert "250-PIPELINING" in before and before[before.index("250-PIPELINING") + 1] == "250 HELP"
    assert server.transport.lines()[len(before):] == [
        "250 2.0.0 Checked and passed on", "250 OK", "221 Bye"]
    assert server.transport.closed


class CountingFilterSMTP(FilterSMTP):
    def connection_made(self, transport):
        super().connection_made(transport)
        self.reads = 0
        reader = self._reader
        for name in ("readuntil", "readexactly", "read", "readline"):
            method = getattr(reader, name)

            def counted(*args, _method=method, **kwargs):
                self.reads += 1
                return _method(*args, **kwargs)
            setattr(reader, name, counted)


def test_data_is_read_in_blocks_not_line_by_line():
    body = b"".join(b"line %d of a long message.\r\n" % i for i in range(20_000))

    async def go():
        server = Server(smtp_class=CountingFilterSMTP)
        await server.feed(ENVELOPE)
        before = server.proto.reads
        for i in range(0, len(body), 65536):
            await server.feed(body[i:i + 65536])
        await server.feed(b".\r\n")
        return server, server.proto.reads - before

    server, reads = run_async(go())
    assert server.got[0][2] == body
    # (The first byte, read before: could the end mark straddle it?) One read to the end
    # mark, and the next command's read (waiting). Not one per line.
    assert reads == 2


class SmallLimits(FilterSMTP):
    line_length_limit = 1000  # also the stream's limit: messages larger are read in pieces


def test_a_message_larger_than_the_stream_s_limit_is_read_in_pieces_and_kept_whole():
    body = b"".join(b"line %d\r\n" % i + (b".dot\r\n" if i % 7 == 0 else b"")
                    for i in range(3000))
    wire = body.replace(b"\r\n.", b"\r\n..") + b".\r\n"

    async def go():
        server = Server(smtp_class=SmallLimits)
        await server.feed(ENVELOPE + wire, step=333)
        return server

    server = run_async(go())
    assert [raw for _, _, raw in server.got] == [aiosmtpd_content(wire)] == [body]
    assert server.proto.data_reads > 10  # in pieces: the stream's limit was passed


def test_a_line_longer_than_the_limit_is_answered_500_after_the_end_as_aiosmtpd_does():
    async def go():
        server = Server(smtp_class=SmallLimits)
        await server.feed(ENVELOPE + b"short\r\n" + b"x" * 999 + b"\r\nmore\r\n.\r\n", step=100)
        await server.feed(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n"
                          + b"y" * 998 + b"\r\n.\r\n")
        return server

    server = run_async(go())
    assert "500 Line too long (see RFC5321 4.5.3.1.6)" in server.transport.lines()
    assert [raw for _, _, raw in server.got] == [b"y" * 998 + b"\r\n"]  # 1,000 with CRLF: fine


def test_a_size_over_the_limit_is_refused_at_mail_and_a_message_over_it_after_its_end():
    async def go():
        server = Server(max_message=1000)
        await server.feed(b"EHLO p\r\nMAIL FROM:<a@b.example> SIZE=5000\r\n")
        await server.feed(b"MAIL FROM:<a@b.example> SIZE=500\r\nRCPT TO:<c@d.example>\r\n"
                          b"DATA\r\n")
        await server.feed(b"x" * 600 + b"\r\n", step=100)
        await server.feed((b"y" * 600 + b"\r\n") * 3, step=100)
        await server.feed(b".\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n"
                          b"small\r\n.\r\n")
        return server

    server = run_async(go())
    lines = server.transport.lines()
    assert lines[lines.index("250 HELP") + 1].startswith("552 ")  # MAIL ... SIZE=5000
    assert "552 Error: Too much mail data" in lines
    assert [raw for _, _, raw in server.got] == [b"small\r\n"]  # the big one never handed on


def test_a_message_of_exactly_the_limit_is_taken():
    async def go():
        server = Server(max_message=1000)
        await server.feed(ENVELOPE + b"z" * 998 + b"\r\n.\r\n")
        return server

    assert [len(raw) for _, _, raw in run_async(go()).got] == [1000]


def test_a_connection_dropped_mid_data_hands_nothing_on():
    async def go():
        server = Server()
        await server.feed(ENVELOPE + b"Subject: half\r\n\r\nhalf a mess")
        server.transport.close()
        await settle()
        return server

    server = run_async(go())
    assert server.got == [] and server.proto.transport is None


def test_a_connection_dropped_at_the_first_byte_of_data_hands_nothing_on():
    async def go():
        server = Server()
        await server.feed(ENVELOPE)
        server.proto.eof_received()
        server.transport.close()
        await settle()
        return server

    assert run_async(go()).got == []


def test_commands_out_of_order_or_unknown_get_aiosmtpd_s_answers():
    async def go():
        server = Server(max_recipients=2)
        await server.feed(
            b"MAIL FROM:<a@b.example>\r\nHELO\r\nHELO p\r\nRCPT TO:<c@d.example>\r\n"
            b"DATA\r\nMAIL FROM:<a@b.example>\r\nMAIL FROM:<a@b.example>\r\n"
            b"RCPT TO:<1@d.example>\r\nRCPT TO:<2@d.example>\r\nRCPT TO:<3@d.example>\r\n"
            b"RCPT TO:<4@d.example> NOTIFY=NEVER\r\nMAIL FROM:<x> BODY=9BIT\r\n"
            b"XYZZY\r\nMAIL FROM:<>\r\nVRFY x\r\n" + b"NOOP " + b"x" * 5000 + b"\r\nNOOP\r\n")
        return server

    lines = run_async(go()).transport.lines()
    assert lines[1:] == [
        "503 Error: send HELO first", "501 Syntax: HELO hostname", "250 filter.test",
        "503 Error: need MAIL command", "503 Error: need RCPT command", "250 OK",
        "503 Error: nested MAIL command", "250 OK", "250 OK",
        "452 4.5.3 Too many recipients: send the rest in another message",
        "501 Syntax: RCPT TO: <address>",  # parameters after HELO (not EHLO)
        "501 Syntax: MAIL FROM: <address>", '500 Error: command "XYZZY" not recognized',
        "503 Error: nested MAIL command",
        "252 Cannot VRFY user, but will accept message and attempt delivery",
        "500 Command line too long", "250 OK"]


def test_the_null_sender_and_a_source_route_are_read_as_aiosmtpd_reads_them():
    async def go():
        server = Server()
        await server.feed(b"EHLO p\r\nMAIL FROM:<>\r\nRCPT TO:<@relay.example:c@d.example>\r\n"
                          b"RCPT TO: <\"odd > name\"@d.example>\r\nDATA\r\nx\r\n.\r\n")
        return server

    [(mail_from, rcpts, raw)] = run_async(go()).got
    assert mail_from == "" and rcpts == ["c@d.example", '"odd > name"@d.example']


def test_an_idle_connection_is_told_421_and_closed_and_one_being_checked_is_not():
    async def go():
        idle, busy = Server(), Server()
        busy.release = asyncio.Event()
        await idle.feed(b"EHLO p\r\n")
        await busy.feed(ENVELOPE + b"x\r\n.\r\n")
        for each in (idle, busy):
            each.proto._timeout_duration = 0.01
            each.proto._last_read -= 1
            each.proto._timeout_cb()  # what the timer calls
        await settle()
        busy.release.set()
        await settle()
        return idle, busy, idle.transport.closed, busy.transport.closed

    idle, busy, idle_closed, busy_closed = run_async(go())
    assert idle_closed and idle.transport.lines()[-1].startswith("421 ")
    assert not busy_closed  # its message was being checked: answered, not cut
    assert busy.transport.lines()[-1] == "250 2.0.0 Checked and passed on"


def test_a_command_line_too_long_across_reads_is_answered_once_and_skipped():
    async def go():
        server = Server()
        await server.feed(b"EHLO p\r\nNOOP " + b"x" * 10_000 + b"\r\nNOOP\r\n", step=1000)
        await server.feed(b"\xff\xfe\r\n")
        return server

    lines = run_async(go()).transport.lines()
    assert lines[-3:] == ["500 Command line too long", "250 OK", "500 Error: bad syntax"]


def test_a_failing_check_is_answered_4xx_never_5xx():
    async def go():
        server = Server()

        async def broken(mail_from, rcpts, raw):
            raise RuntimeError("boom")
        server.proto.event_handler.deliver = broken
        await server.feed(ENVELOPE + b"x\r\n.\r\n")
        return server

    assert run_async(go()).transport.lines()[-1].startswith("451 ")


def test_unstuffing_and_long_lines_as_aiosmtpd_splits_lines():
    wire = b".a\r\n..\r\nb\n.c\r\n"
    assert unstuff(wire) == b"a\r\n.\r\nb\n.c\r\n"
    assert not has_long_line(b"x" * 8 + b"\r\n" + b"y" * 8 + b"\r\n", 10)
    assert has_long_line(b"x" * 8 + b"\r\n" + b"y" * 9 + b"\r\n", 10)
    assert has_long_line(b"x" * 9 + b"\r" + b"\n", 10)
    assert not has_long_line(b"ab\r\n" * 1000, 4)


@pytest.mark.parametrize("arg", ["<a@b.example>", "<a@b.example> SIZE=10 BODY=8BITMIME",
                                 "a@b.example", "<>", "<@r.example,@s.example:c@d.example>",
                                 '<"odd > name"@d.example>', "<a@b", "<no at sign>", "", "  <x@y>",
                                 "(comment) <a@b.example>", "<a@[127.0.0.1]>", "<é@b.example>"])
def test_addresses_are_read_exactly_as_aiosmtpd_reads_them_and_remembered(arg):
    from aiosmtpd.smtp import SMTP

    async def go():
        server = Server()
        first = server.proto._getaddr(arg)
        again = server.proto._getaddr(arg)
        return first, again, SMTP._getaddr(server.proto, arg)

    first, again, aiosmtpd_s = run_async(go())
    assert first == again == aiosmtpd_s


def test_one_idle_timer_a_connection_not_one_a_command_and_activity_keeps_it_open():
    async def go():
        server = Server()
        await server.feed(b"EHLO p\r\n")
        timer = server.proto._timeout_handle
        await server.feed(b"NOOP\r\n" * 20)
        same = server.proto._timeout_handle is timer
        server.proto._timeout_cb()  # fires: bytes came just now, so it is set again
        await settle()
        return server, same, server.transport.closed, server.proto._timeout_handle is timer

    server, same, closed, still_same = run_async(go())
    assert same and not closed and not still_same
