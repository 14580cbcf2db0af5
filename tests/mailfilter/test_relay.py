"""Re-injection from the event loop (esafety/mailfilter/relay.py) against a next hop that
offers PIPELINING: the envelope in one write, the same bytes smtplib sends, smtplib's
exceptions for refusals, and a kept connection used again."""

import asyncio
import re
import smtplib

import pytest

from esafety.mailfilter.relay import Relay, quote
from esafety.mailfilter.smtp import FilterSMTP, Handler
from tests.mailfilter.harness import run_async


class NextHop(FilterSMTP):
    """The filter's own server (PIPELINING offered) as a next hop that records every chunk
    it reads."""

    chunks: list[bytes]

    def data_received(self, data):
        self.chunks.append(data)
        super().data_received(data)


class NextHopHandler(Handler):
    refuse_for_good = "bad@d.example"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address == self.refuse_for_good:
            return "550 5.1.1 No such user"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


async def with_next_hop(test, max_recipients=10):
    got: list[tuple] = []
    chunks: list[bytes] = []
    sessions: list[NextHop] = []

    async def deliver(mail_from, rcpts, raw):
        got.append((mail_from, rcpts, raw))
        return "250 2.0.0 Ok: queued"

    handler = NextHopHandler(deliver, max_recipients)

    def factory():
        proto = NextHop(handler, data_size_limit=10_000_000, enable_SMTPUTF8=True,
                        decode_data=False, hostname="next.test")
        proto.chunks = chunks
        sessions.append(proto)
        return proto

    server = await asyncio.get_running_loop().create_server(factory, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    relay = Relay("127.0.0.1", port, timeout=10)
    try:
        return await test(relay), got, chunks, sessions
    finally:
        relay.close()
        server.close()


RAW = b"Subject: hi\r\n\r\n.starts with a dot\r\nbare\n.\nlf\r\nno final newline"


def test_the_envelope_goes_in_one_write_and_the_message_as_smtplib_sends_it():
    async def test(relay):
        await relay.send("a@outside.example", ["t@school.example", "u@school.example"], RAW)
        await relay.send("", ["t@school.example"], b"second\r\n")

    _, got, chunks, sessions = run_async(with_next_hop(test))
    assert len(sessions) == 1  # the connection was kept for the second message
    envelope = [c for c in chunks if c.lower().startswith(b"mail from")]
    assert envelope[0] == (b"mail FROM:<a@outside.example> size=%d\r\nrcpt TO:<t@school.example>"
                           b"\r\nrcpt TO:<u@school.example>\r\ndata\r\n" % len(RAW))
    assert quote(RAW) in b"".join(chunks)
    # smtplib's own transformation of the same bytes
    assert quote(RAW) == re.sub(rb"(?m)^\.", b"..", RAW) + b"\r\n.\r\n"
    assert got[0] == ("a@outside.example", ["t@school.example", "u@school.example"],
                      b"Subject: hi\r\n\r\n.starts with a dot\r\nbare\n..\nlf\r\n"
                      b"no final newline\r\n")
    assert got[1] == ("", ["t@school.example"], b"second\r\n")


def test_a_temporary_refusal_of_any_recipient_raises_so_the_message_is_tried_again():
    async def test(relay):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            await relay.send("a@outside.example", ["t@school.example", "u@school.example"],
                             b"x\r\n")
        return refused.value.recipients

    recipients, got, _, _ = run_async(with_next_hop(test, max_recipients=1))
    assert list(recipients) == ["u@school.example"] and recipients["u@school.example"][0] == 452


def test_a_recipient_refused_for_good_leaves_the_others_delivered():
    async def test(relay):
        await relay.send("a@outside.example", ["bad@d.example", "t@school.example"], b"x\r\n")

    _, got, _, _ = run_async(with_next_hop(test))
    assert got == [("a@outside.example", ["t@school.example"], b"x\r\n")]


def test_every_recipient_refused_raises_and_nothing_is_sent():
    async def test(relay):
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            await relay.send("a@outside.example", ["bad@d.example"], b"x\r\n")
        await relay.send("a@outside.example", ["t@school.example"], b"y\r\n")

    _, got, _, sessions = run_async(with_next_hop(test))
    assert got == [("a@outside.example", ["t@school.example"], b"y\r\n")]
    assert len(sessions) == 2  # a connection after a failure is not used again


def test_no_more_connections_than_allowed_however_many_messages_are_in_flight():
    """Each connection holds one of Postfix's smtpd processes: past its process limit a new
    connection would wait for one that never comes (a stall until the timeout)."""
    async def test(relay):
        relay.slots = asyncio.Semaphore(2)
        await asyncio.gather(*(relay.send("a@outside.example", ["t@school.example"],
                                          b"%d\r\n" % n) for n in range(10)))

    _, got, _, sessions = run_async(with_next_hop(test))
    assert len(got) == 10 and len(sessions) == 2
