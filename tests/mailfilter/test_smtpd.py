"""The filter's own SMTP server (esafety/mailfilter/smtpd.py), byte by byte: the end of
DATA, dot-unstuffing, bare LF, pipelining, SIZE, dropped connections, and DATA found by
searching the buffer (not a step per line). A fake transport: no sockets, no timing."""

import asyncio

import pytest

from esafety.mailfilter.smtpd import Connections, Limits, SMTPProtocol


class FakeTransport(asyncio.Transport):
    def __init__(self):
        super().__init__()
        self.written = b""
        self.writes = 0
        self.closed = False
        self.paused = False

    def write(self, data):
        self.written += data
        self.writes += 1

    def close(self):
        self.closed = True

    def pause_reading(self):
        self.paused = True

    def resume_reading(self):
        self.paused = False

    def lines(self) -> list[str]:
        return self.written.decode().split("\r\n")[:-1]


def aiosmtpd_content(wire: bytes) -> bytes:
    """What aiosmtpd made of DATA's bytes (up to the end mark): lines split at CRLF, one
    leading dot removed from each."""
    lines = wire.split(b"\r\n")
    assert lines[-2:] == [b".", b""]
    lines = lines[:-2]
    return b"".join((line[1:] if line.startswith(b".") else line) + b"\r\n" for line in lines)


class Server:
    def __init__(self, answer="250 2.0.0 Checked and passed on", max_message=10_000_000,
                 max_recipients=10_000):
        self.got: list[tuple[str, list[str], bytes]] = []
        self.answer = answer
        self.release: asyncio.Event | None = None
        self.proto = SMTPProtocol(self.deliver, Limits(hostname="filter.test",
                                                       max_message=max_message,
                                                       max_recipients=max_recipients),
                                  Connections())
        self.transport = FakeTransport()
        self.proto.connection_made(self.transport)

    async def deliver(self, mail_from, rcpts, raw):
        self.got.append((mail_from, rcpts, raw))
        if self.release is not None:
            await self.release.wait()
        return self.answer

    def feed(self, data: bytes, step: int | None = None):
        if step is None:
            self.proto.data_received(data)
        else:
            for i in range(0, len(data), step):
                self.proto.data_received(data[i:i + step])


async def settle():
    for _ in range(5):
        await asyncio.sleep(0)


ENVELOPE = b"EHLO postfix\r\nMAIL FROM:<a@outside.example>\r\nRCPT TO:<t@school.example>\r\nDATA\r\n"
WIRE = (b"Subject: dots\r\n\r\n..leading dot line\r\n.\r\n..\r\nbare\nLF\n.\nstill data\r\n"
        b"last line\r\n.\r\n")


@pytest.mark.parametrize("step", [None, 1, 2, 3, 7])
def test_the_message_is_what_aiosmtpd_made_of_the_same_bytes_in_any_chunks(step):
    async def go():
        server = Server()
        server.feed(ENVELOPE + WIRE.replace(b"\r\n.\r\n..\r\n", b"\r\n..\r\n..\r\n"), step)
        await settle()
        return server

    server = asyncio.run(go())
    wire = WIRE.replace(b"\r\n.\r\n..\r\n", b"\r\n..\r\n..\r\n")
    [(mail_from, rcpts, raw)] = server.got
    assert (mail_from, rcpts) == ("a@outside.example", ["t@school.example"])
    assert raw == aiosmtpd_content(wire)
    assert b"bare\nLF\n.\nstill data" in raw  # a bare LF is data, "." after it is not the end
    assert server.transport.lines()[-1] == "250 2.0.0 Checked and passed on"


def test_a_lone_dot_line_ends_the_message_and_what_follows_is_the_next_command():
    async def go():
        server = Server()
        server.feed(ENVELOPE + b"Subject: x\r\n\r\nbody\r\n.\r\nNOOP\r\n")
        await settle()
        return server

    server = asyncio.run(go())
    assert server.got[0][2] == b"Subject: x\r\n\r\nbody\r\n"
    assert server.transport.lines()[-2:] == ["250 2.0.0 Checked and passed on", "250 OK"]


def test_an_empty_message_is_handed_on_empty():
    async def go():
        server = Server()
        server.feed(ENVELOPE + b".\r\n", step=1)
        await settle()
        return server

    assert asyncio.run(go()).got[0][2] == b""


def test_pipelined_commands_are_answered_in_order_and_nothing_is_read_during_the_check():
    async def go():
        server = Server()
        server.release = asyncio.Event()
        server.feed(ENVELOPE + b"Subject: x\r\n\r\nhi\r\n.\r\nRSET\r\nQUIT\r\n")
        await settle()
        before = server.transport.lines()
        paused = server.transport.paused
        server.release.set()
        await settle()
        return server, before, paused

    server, before, paused = asyncio.run(go())
    assert paused  # the next commands wait until the message is answered
    assert before[-3:] == ["250 OK", "250 OK", "354 End data with <CR><LF>.<CR><LF>"]
    assert "PIPELINING" in "".join(before) and "250 HELP" in before
    assert server.transport.lines()[len(before):] == [
        "250 2.0.0 Checked and passed on", "250 OK", "221 Bye"]
    assert server.transport.closed


def test_data_is_found_by_searching_the_buffer_not_line_by_line():
    body = b"".join(b"line %d of a long message\r\n" % i for i in range(20_000))

    async def go():
        server = Server()
        server.feed(ENVELOPE)
        for i in range(0, len(body), 65536):
            server.feed(body[i:i + 65536])
        server.feed(b".\r\n")
        await settle()
        return server

    server = asyncio.run(go())
    assert server.got[0][2] == body
    reads = -(-len(body) // 65536) + 1
    # One search when DATA begins (nothing yet), then one per chunk read: not one per line.
    assert server.proto.scans == reads + 1


def test_a_size_over_the_limit_is_refused_at_mail_and_a_message_over_it_after_its_end():
    async def go():
        server = Server(max_message=1000)
        server.feed(b"EHLO p\r\nMAIL FROM:<a@b.example> SIZE=5000\r\n")
        server.feed(b"MAIL FROM:<a@b.example> SIZE=500\r\nRCPT TO:<c@d.example>\r\nDATA\r\n")
        server.feed(b"x" * 600 + b"\r\n", step=100)
        server.feed((b"y" * 600 + b"\r\n") * 3, step=100)
        server.feed(b".\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n"
                    b"small\r\n.\r\n")
        await settle()
        return server

    server = asyncio.run(go())
    lines = server.transport.lines()
    assert lines[lines.index("250 HELP") + 1].startswith("552 ")  # MAIL ... SIZE=5000
    assert "552 5.3.4 Error: Too much mail data" in lines
    assert [raw for _, _, raw in server.got] == [b"small\r\n"]  # the big one never handed on
    assert len(server.proto.buf) == 0


def test_a_connection_dropped_mid_data_hands_nothing_on():
    async def go():
        server = Server()
        server.feed(ENVELOPE + b"Subject: half\r\n\r\nhalf a mess")
        server.proto.connection_lost(None)
        await settle()
        return server

    assert asyncio.run(go()).got == []


def test_commands_out_of_order_or_unknown_get_aiosmtpd_s_answers():
    async def go():
        server = Server(max_recipients=2)
        server.feed(b"MAIL FROM:<a@b.example>\r\nHELO\r\nHELO p\r\nRCPT TO:<c@d.example>\r\n"
                    b"DATA\r\nMAIL FROM:<a@b.example>\r\nMAIL FROM:<a@b.example>\r\n"
                    b"RCPT TO:<1@d.example>\r\nRCPT TO:<2@d.example>\r\nRCPT TO:<3@d.example>\r\n"
                    b"RCPT TO:<4@d.example> NOTIFY=NEVER\r\nMAIL FROM:<x> BODY=9BIT\r\n"
                    b"XYZZY\r\nMAIL FROM:<>\r\nVRFY x\r\n" + b"NOOP " + b"x" * 5000 + b"\r\nNOOP\r\n")
        await settle()
        return server

    lines = asyncio.run(go()).transport.lines()
    assert lines[1:] == [
        "503 Error: send HELO first", "501 Syntax: HELO hostname", "250 filter.test",
        "503 Error: need MAIL command", "503 Error: need RCPT command", "250 OK",
        "503 Error: nested MAIL command", "250 OK", "250 OK",
        "452 4.5.3 Too many recipients: send the rest in another message",
        "555 RCPT TO parameters not recognized or not implemented",
        "503 Error: nested MAIL command", '500 Error: command "XYZZY" not recognized',
        "503 Error: nested MAIL command",
        "252 Cannot VRFY user, but will accept message and attempt delivery",
        "500 5.5.2 Error: line too long", "250 OK"]


def test_the_null_sender_and_a_source_route_are_read_as_aiosmtpd_read_them():
    async def go():
        server = Server()
        server.feed(b"EHLO p\r\nMAIL FROM:<>\r\nRCPT TO:<@relay.example:c@d.example>\r\n"
                    b"RCPT TO: <\"odd > name\"@d.example>\r\nDATA\r\nx\r\n.\r\n")
        await settle()
        return server

    [(mail_from, rcpts, raw)] = asyncio.run(go()).got
    assert mail_from == "" and rcpts == ["c@d.example", '"odd > name"@d.example']


def test_an_idle_connection_is_closed_with_421_and_a_busy_one_is_not():
    async def go():
        idle, busy = Server(), Server()
        busy.release = asyncio.Event()
        busy.feed(ENVELOPE + b"x\r\n.\r\n")
        await settle()
        for each in (idle, busy):
            each.proto.limits.timeout = 0
            each.proto.last -= 1
        sweep = asyncio.ensure_future(idle.proto.connections.sweep(every=0))
        other = asyncio.ensure_future(busy.proto.connections.sweep(every=0))
        await settle()
        sweep.cancel()
        other.cancel()
        busy.release.set()
        await settle()
        return idle, busy

    idle, busy = asyncio.run(go())
    assert idle.transport.closed and idle.transport.lines()[-1].startswith("421 ")
    assert not busy.transport.closed  # its message was being checked: answered, not cut
    assert busy.transport.lines()[-1] == "250 2.0.0 Checked and passed on"


def test_a_command_line_too_long_across_reads_is_answered_once_and_skipped():
    async def go():
        server = Server()
        server.feed(b"EHLO p\r\nNOOP " + b"x" * 10_000 + b"\r\nNOOP\r\n", step=1000)
        server.feed(b"\xff\xfe\r\n")
        await settle()
        return server

    lines = asyncio.run(go()).transport.lines()
    assert lines[-3:] == ["500 5.5.2 Error: line too long", "250 OK",
                          "500 5.5.2 Error: the command is not UTF-8"]
