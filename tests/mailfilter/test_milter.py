"""The milter (`esafety mail filter --milter`) over a real loopback socket, with a real
published snapshot and a sink as the next hop for notices.

The client here speaks as Postfix's smtpd does (Postfix's milter8.c): option negotiation at
version 6 offering every action and protocol option, macros before commands, the envelope,
each header as its name and its value as it follows the colon (folded lines joined by LF),
the body in pieces with CRLF line ends, the end of the message, an abort between messages,
quit. test_postfix_milter.py runs the same server under a real Postfix; here each packet and
each answer can be seen, split and bent."""

from __future__ import annotations

import json
import os
import random
import socket
import stat
import struct

import pytest

from esafety.mailfilter import engine, milter, server
from esafety.mailfilter.models import MailFilterSettings
from esafety.mailfilter.publishing import publish
from esafety.mailfilter.server import EVENTS_DIR, HELD_DIR
from tests.mailfilter.harness import FilterThread, message

TEACHER = "tom@hollinspark.sch.uk"
PUPIL = "pip@hollinspark.sch.uk"
OUT = "parent@known.example"
OBSCENE = "You are a fucking useless cunt and a piece of shit, fuck you."

# What Postfix offers (milter_protocol = 6): every action it can take, every protocol option.
POSTFIX_VERSION, POSTFIX_ACTIONS, POSTFIX_PROTOCOL = 6, 0x1FF, 0x1FFFFF
# The protocol option bits (SMFIP_*), written out here rather than taken from milter.py.
NOCONNECT, NOHELO, NOMAIL, NORCPT, NOBODY, NOHDRS, NOEOH, NODATA = (
    1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4, 1 << 5, 1 << 6, 1 << 9)
NR_HDR, NR_CONN, NR_HELO, NR_MAIL, NR_RCPT, NR_DATA, NR_EOH, NR_BODY = (
    1 << 7, 1 << 12, 1 << 13, 1 << 14, 1 << 15, 1 << 16, 1 << 18, 1 << 19)
HDR_LEADSPC = 1 << 20
# The packets Postfix waits for an answer to unless the milter asked for no reply.
NO_REPLY = {b"C": NR_CONN, b"H": NR_HELO, b"M": NR_MAIL, b"R": NR_RCPT, b"T": NR_DATA,
            b"L": NR_HDR, b"N": NR_EOH, b"B": NR_BODY}

CONTINUE, DISCARD = (b"c", b""), (b"d", b"")
TEMPFAIL = (b"y", server.TEMPFAIL.encode() + b"\0")
TIMEOUT = 60


def pkt(command: bytes, data: bytes = b"") -> bytes:
    return struct.pack(">I", len(data) + 1) + command + data


def parse(wire: bytes) -> list[tuple[bytes, bytes]]:
    """The packets in what the milter wrote (it writes whole packets only)."""
    out = []
    while wire:
        assert len(wire) >= 5, f"a partial packet: {wire!r}"
        (length,) = struct.unpack_from(">I", wire)
        assert len(wire) >= 4 + length, f"a partial packet: {wire!r}"
        out.append((wire[4:5], wire[5:4 + length]))
        wire = wire[4 + length:]
    return out


def read_to_end(sock: socket.socket) -> bytes:
    """Everything the milter writes until it closes the connection."""
    got = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return got
        if not chunk:
            return got
        got += chunk


def as_postfix_sends(raw: bytes, leadspc: bool = True,
                     fold: bytes = b"\n") -> tuple[list[tuple[bytes, bytes]], bytes]:
    """A message's headers as Postfix hands them to a milter, and its body: each header's
    name (whitespace before the colon dropped), and its value as it follows the colon, the
    lines of a folded header joined by LF; without the leading-space option Postfix eats one
    space (not a tab) after the colon, as Sendmail does."""
    head, _, body = raw.partition(b"\r\n\r\n")
    fields: list[bytes] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += fold + line
        else:
            fields.append(line)
    headers = []
    for field in fields:
        name, _, value = field.partition(b":")
        if not leadspc and value.startswith(b" "):
            value = value[1:]
        headers.append((name.rstrip(b" \t"), value))
    return headers, body


def message_packets(mail_from: str, rcpts: list[str], raw: bytes, options: int,
                    fold: bytes = b"\n", piece: int = 65535) -> list[tuple[bytes, bytes]]:
    """One message as Postfix's smtpd sends it, up to and including the end of message:
    like Postfix, without the events the milter said it does not want."""
    sender = mail_from.encode()
    out = [(b"D", b"M{mail_addr}\0" + sender + b"\0i\0" + b"4QXyz1abc\0")]
    if not options & NOMAIL:
        out.append((b"M", b"<" + sender + b">\0" + f"SIZE={len(raw)}".encode() + b"\0"))
    for rcpt in rcpts:
        out.append((b"D", b"R{rcpt_addr}\0" + rcpt.encode() + b"\0"))
        if not options & NORCPT:
            out.append((b"R", b"<" + rcpt.encode() + b">\0"))
    if not options & NODATA:
        out.append((b"T", b""))
    headers, body = as_postfix_sends(raw, bool(options & HDR_LEADSPC), fold)
    if not options & NOHDRS:
        out += [(b"L", name + b"\0" + value + b"\0") for name, value in headers]
    if not options & NOEOH:
        out.append((b"N", b""))
    if not options & NOBODY:
        out += [(b"B", body[i:i + piece]) for i in range(0, len(body), piece)]
    out += [(b"D", b"E{msg_id}\0" + b"<m@test.invalid>\0"), (b"E", b"")]
    return out


def negotiation(version: int = POSTFIX_VERSION, actions: int = POSTFIX_ACTIONS,
                protocol: int = POSTFIX_PROTOCOL) -> bytes:
    return pkt(b"O", struct.pack(">III", version, actions, protocol))


class Client:
    """Postfix's smtpd end of one milter connection. Like Postfix it waits for an answer
    after each packet that is owed one (and checks it is "continue")."""

    def __init__(self, port: int, version: int = POSTFIX_VERSION,
                 protocol: int = POSTFIX_PROTOCOL, fold: bytes = b"\n"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.version, self.protocol, self.fold = version, protocol, fold
        self.options = 0
        self.continues = 0  # the "continue" answers to packets before an end of message

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()

    def send(self, command: bytes, data: bytes = b"") -> None:
        self.sock.sendall(pkt(command, data))

    def _exactly(self, n: int) -> bytes:
        got = b""
        while len(got) < n:
            chunk = self.sock.recv(n - len(got))
            if not chunk:
                break
            got += chunk
        return got

    def read(self) -> tuple[bytes, bytes] | None:
        """The next answer; None when the milter has closed the connection."""
        head = self._exactly(4)
        if not head:
            return None
        assert len(head) == 4
        (length,) = struct.unpack(">I", head)
        body = self._exactly(length)
        assert len(body) == length
        return body[:1], body[1:]

    def negotiate(self) -> tuple[int, int, int]:
        self.sock.sendall(negotiation(self.version, POSTFIX_ACTIONS, self.protocol))
        answer = self.read()
        assert answer is not None and answer[0] == b"O" and len(answer[1]) >= 12
        version, actions, options = struct.unpack_from(">III", answer[1])
        self.options = options
        return version, actions, options

    def start(self) -> None:
        """The negotiation, then the connection and HELO events unless the milter said it
        needs neither."""
        self.negotiate()
        if not self.options & NOCONNECT:
            self.step(b"D", b"Cj\0mx.hollinspark.sch.uk\0{daemon_name}\0smtpd\0")
            self.step(b"C", b"client.example\0" + b"4" + struct.pack(">H", 40000)
                      + b"192.0.2.1\0")
        if not self.options & NOHELO:
            self.step(b"H", b"client.example\0")

    def owed(self, command: bytes) -> bool:
        flag = NO_REPLY.get(command)
        return flag is not None and not self.options & flag

    def step(self, command: bytes, data: bytes = b"") -> None:
        self.send(command, data)
        if self.owed(command):
            assert self.read() == CONTINUE, command
            self.continues += 1

    def mail(self, mail_from: str, rcpts: list[str], raw: bytes,
             piece: int = 65535) -> tuple[bytes, bytes] | None:
        """One message; the milter's answer to its end."""
        *steps, (end, data) = message_packets(mail_from, rcpts, raw, self.options,
                                              self.fold, piece)
        for command, part in steps:
            self.step(command, part)
        self.send(end, data)
        return self.read()

    def quit(self) -> None:
        """Quit; the milter closes the connection with nothing more to say."""
        self.send(b"Q")
        assert read_to_end(self.sock) == b""


def one(port: int, mail_from: str, rcpts: list[str], raw: bytes,
        **kwargs) -> tuple[bytes, bytes] | None:
    """One message on a connection of its own (as Postfix: a connection an SMTP session)."""
    with Client(port, **kwargs) as client:
        client.start()
        answer = client.mail(mail_from, rcpts, raw)
        client.quit()
    return answer


def held(folder) -> list:
    return sorted((folder / HELD_DIR).glob("*.eml"))


def events(folder) -> list:
    return sorted((folder / EVENTS_DIR).glob("*.json"))


def still_serving(port: int) -> None:
    raw = message(TEACHER, OUT, "still there?", "yes")
    assert one(port, TEACHER, [OUT], raw) == CONTINUE


@pytest.fixture
def milter_filter(mail_school, sink):
    config = server.Config(school=mail_school["school"].slug, folder=mail_school["folder"],
                           next_hop=("127.0.0.1", sink.port), timeout=10)
    with FilterThread(config, milter=True) as running:
        yield running


def awkward(sender: str, to: str, subject: str, body: str) -> bytes:
    """A message with the headers a reconstruction gets wrong: folded (twice), no space
    after the colon, a tab after it, an empty value, 8-bit bytes."""
    raw = message(sender, to, subject, body, X_Folded="one\r\n\ttwo\r\n  three")
    extra = (b"X-Tight:value\r\nX-Tab:\tindented\r\nX-Empty:\r\n"
             b"X-Eight: caf\xc3\xa9\r\nReceived: from a\r\n by b; Fri, 04 Dec 2026\r\n")
    head, _, rest = raw.partition(b"\r\n\r\n")
    return head + b"\r\n" + extra + b"\r\n" + rest


# ---------------------------------------------------------------------------- negotiation

def test_the_milter_asks_only_for_what_postfix_offers_and_no_answer_to_each_piece(
        milter_filter):
    with Client(milter_filter.port) as client:
        version, actions, options = client.negotiate()
        client.quit()
    assert version == 6
    assert actions & ~POSTFIX_ACTIONS == 0 and options & ~POSTFIX_PROTOCOL == 0
    no_reply = NR_CONN | NR_HELO | NR_MAIL | NR_RCPT | NR_DATA | NR_HDR | NR_EOH | NR_BODY
    assert options & no_reply == no_reply
    # It needs neither the connection nor HELO events, and takes each header as it was;
    # it needs the envelope and the whole message.
    assert options & (NOCONNECT | NOHELO | HDR_LEADSPC) == NOCONNECT | NOHELO | HDR_LEADSPC
    assert options & (NOMAIL | NORCPT | NOHDRS | NOEOH | NOBODY) == 0


@pytest.mark.parametrize(("version", "protocol"), [(6, 0), (6, 0x3F), (2, 0x7F)])
def test_an_mta_offering_less_gets_no_more_than_it_offered(milter_filter, version, protocol):
    with Client(milter_filter.port, version=version, protocol=protocol) as client:
        got_version, actions, options = client.negotiate()
        client.quit()
    assert got_version <= version and actions & ~POSTFIX_ACTIONS == 0
    assert options & ~protocol == 0


def test_an_mta_without_the_no_reply_options_gets_an_answer_to_every_packet(
        milter_filter, mail_school, sink):
    clean = message(TEACHER, OUT, "Trip on Friday", "Coats please.\n" + "more words " * 50)
    obscene = message("someone@forged.example", TEACHER, "About today", OBSCENE)
    with Client(milter_filter.port, protocol=0) as client:
        client.start()
        assert client.options == 0
        # connect, HELO, then for the first message MAIL, RCPT, DATA, each header, the end
        # of headers and each body piece: every one answered "continue" (client.step).
        assert client.mail(TEACHER, [OUT], clean, piece=100) == CONTINUE
        client.send(b"A")
        assert client.mail("someone@forged.example", [TEACHER], obscene) == DISCARD
        continues = client.continues
        client.quit()
    clean_headers, clean_body = as_postfix_sends(clean)
    obscene_headers, _ = as_postfix_sends(obscene)
    assert continues == (2 + (1 + 1 + 1 + len(clean_headers) + 1 + -(-len(clean_body) // 100))
                         + (1 + 1 + 1 + len(obscene_headers) + 1 + 1))
    # Postfix ate the space after each colon; the held copy has it back.
    [copy] = held(mail_school["folder"])
    assert copy.read_bytes() == obscene
    assert sink.delivered == []


# ---------------------------------------------------------------------------- decisions

def test_clean_staff_mail_continues_and_nothing_is_sent_on_or_recorded(milter_filter,
                                                                      mail_school, sink):
    raw = message(TEACHER, OUT, "Trip on Friday", "Coats please.\n\n.a line with a dot")
    assert one(milter_filter.port, TEACHER, [OUT], raw) == CONTINUE
    # Postfix queues and delivers it: the milter re-injects nothing, holds nothing.
    assert sink.delivered == []
    assert held(mail_school["folder"]) == [] and events(mail_school["folder"]) == []


@pytest.mark.parametrize("fold", [b"\n", b"\r\n"], ids=["folded-lf", "folded-crlf"])
@pytest.mark.parametrize("piece", [65535, 7])
def test_obscene_mail_from_an_unknown_sender_is_held_byte_for_byte_then_discarded(
        milter_filter, mail_school, sink, fold, piece):
    raw = awkward("someone@forged.example", TEACHER, "About today", OBSCENE)
    with Client(milter_filter.port, fold=fold) as client:
        client.start()
        assert client.mail("someone@forged.example", [TEACHER], raw, piece=piece) == DISCARD
        client.quit()
    # Exactly what the content filter would have held from the same SMTP transaction: the
    # same bytes under the same name, the same envelope.
    [copy] = held(mail_school["folder"])
    assert copy.read_bytes() == raw
    assert copy.stem == server.message_key("someone@forged.example", [TEACHER], raw)
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
    meta = json.loads(copy.with_suffix(".json").read_bytes())
    assert (meta["mail_from"], meta["rcpts"]) == ("someone@forged.example", [TEACHER])
    assert sink.delivered == []  # nothing to a possibly forged sender


def test_a_pupil_writing_to_an_unapproved_address_is_discarded_and_told(milter_filter, sink):
    raw = message(PUPIL, "stranger@example.com", "hi", "hello there")
    assert one(milter_filter.port, PUPIL, ["stranger@example.com"], raw) == DISCARD
    # The notice went through the next hop before the answer.
    assert sink.to("stranger@example.com") == []
    [notice] = sink.to(PUPIL)
    assert notice.mail_from in ("", "<>")
    assert "has not been sent" in notice.text and "stranger@example.com" in notice.text
    assert "ask your form tutor, Mr Teach" in notice.text


def test_inbound_obscene_mail_from_a_known_correspondent_is_returned(milter_filter, sink):
    raw = message(OUT, TEACHER, "About today", OBSCENE)
    assert one(milter_filter.port, OUT, [TEACHER], raw) == DISCARD
    [returned] = sink.to(OUT)
    assert "revised version" in returned.text
    [told] = sink.to(TEACHER)
    assert "returned to its" in told.text and OBSCENE.encode() not in told.raw


# ---------------------------------------------------------------------------- one connection

def test_several_messages_on_one_connection_each_start_afresh(milter_filter, mail_school,
                                                             sink):
    clean = message(TEACHER, OUT, "Trip", "Coats please.")
    first = message("someone@forged.example", TEACHER, "About today", OBSCENE)
    second = message("other@forged.example", TEACHER, "Again", OBSCENE + " Again.")
    with Client(milter_filter.port) as client:
        client.start()
        assert client.mail(TEACHER, [OUT], clean) == CONTINUE
        client.send(b"A")
        assert client.mail("someone@forged.example", [TEACHER], first) == DISCARD
        client.send(b"A")
        assert client.mail(PUPIL, ["stranger@example.com"],
                           message(PUPIL, "stranger@example.com", "hi", "hello")) == DISCARD
        client.send(b"A")
        # Half a message (the SMTP client gave up, or Postfix refused it), then an abort.
        client.send(b"M", b"<" + PUPIL.encode() + b">\0")
        client.send(b"R", b"<leftover@example.com>\0")
        client.send(b"L", b"X-Leftover\0 from the aborted message\0")
        client.send(b"N")
        client.send(b"B", b"leftover body\r\n")
        client.send(b"A")
        assert client.mail("other@forged.example", [TEACHER], second) == DISCARD
        client.send(b"A")
        assert client.mail(TEACHER, [OUT], clean) == CONTINUE
        client.quit()
    copies = {path.read_bytes() for path in held(mail_school["folder"])}
    assert copies == {first, second}  # nothing of the aborted message in the next one
    key = server.message_key("other@forged.example", [TEACHER], second)
    meta = json.loads((mail_school["folder"] / HELD_DIR / f"{key}.json").read_bytes())
    assert (meta["mail_from"], meta["rcpts"]) == ("other@forged.example", [TEACHER])
    assert [d.rcpts for d in sink.delivered] == [[PUPIL]]  # the one refusal notice


# The options the milter agrees with Postfix (checked below): no answer awaited between
# packets, so a whole connection can be written before reading anything.
AGREED = (NOCONNECT | NOHELO | NODATA | HDR_LEADSPC | NR_HDR | NR_MAIL | NR_RCPT | NR_EOH
          | NR_BODY)


def conversation(first: bytes, second: bytes, options: int = AGREED) -> bytes:
    """A whole connection's bytes after the negotiation, as Postfix sends them: a clean
    message, an abort, a held one, an abort, quit."""
    packets = [*message_packets(TEACHER, [OUT], first, options, piece=11), (b"A", b""),
               *message_packets("someone@forged.example", [TEACHER], second, options),
               (b"A", b""), (b"Q", b"")]
    return b"".join(pkt(c, d) for c, d in packets)


@pytest.mark.parametrize("step", [1, 2, 3, 5, 4096], ids=lambda s: f"{s}-byte-writes")
def test_packets_split_anywhere_or_all_in_one_write_get_the_same_answers(
        milter_filter, mail_school, step):
    first = message(TEACHER, OUT, "Trip", "Coats please.")
    second = awkward("someone@forged.example", TEACHER, "About today", OBSCENE)
    wire = negotiation() + conversation(first, second)
    with socket.create_connection(("127.0.0.1", milter_filter.port), timeout=TIMEOUT) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(0, len(wire), step):
            sock.sendall(wire[i:i + step])
        answers = parse(read_to_end(sock))
    assert [command for command, _ in answers] == [b"O", b"c", b"d"]
    assert answers[1:] == [CONTINUE, DISCARD]
    # What was sent is what Postfix sends after the options the milter agreed.
    agreed = struct.unpack_from(">III", answers[0][1])[2]
    assert conversation(first, second, agreed) == conversation(first, second)
    [copy] = held(mail_school["folder"])
    assert copy.read_bytes() == second


# ---------------------------------------------------------------------------- garbage

GARBAGE = [
    pytest.param(negotiation() + pkt(b"Z", b"what?"), 1, id="unknown-command"),
    pytest.param(negotiation() + pkt(b"M", b"<a@b.example>\0") + pkt(b"\xff"), 1,
                 id="unknown-command-mid-message"),
    pytest.param(negotiation() + b"\0\0\0\0", 1, id="length-0"),
    pytest.param(b"\0\0\0\0", 0, id="length-0-first"),
    pytest.param(negotiation() + struct.pack(">I", 2 * 1024 * 1024) + b"B" + b"x" * 100, 1,
                 id="length-over-1mb"),
    pytest.param(b"\xff\xff\xff\xffO", 0, id="length-4gb"),
    pytest.param(pkt(b"O", b"\0\0\0\6"), 0, id="short-optneg"),
    pytest.param(pkt(b"O"), 0, id="empty-optneg"),
    pytest.param(negotiation(version=1), 0, id="optneg-version-1"),
    pytest.param(negotiation(version=0), 0, id="optneg-version-0"),
]


@pytest.mark.parametrize(("wire", "negotiated"), GARBAGE)
def test_garbage_gets_451_and_the_connection_closed_and_the_milter_carries_on(
        milter_filter, mail_school, sink, wire, negotiated):
    with socket.create_connection(("127.0.0.1", milter_filter.port), timeout=TIMEOUT) as sock:
        sock.sendall(wire)
        answers = parse(read_to_end(sock))
    assert [command for command, _ in answers[:negotiated]] == [b"O"] * negotiated
    assert answers[negotiated:] == [TEMPFAIL]
    still_serving(milter_filter.port)
    assert held(mail_school["folder"]) == [] and sink.delivered == []


# Command bytes for made-up packets: every command there is, and some there are not.
COMMANDS = b"ABCDEHKLMNOQRTUZ\0\xff"


def random_packets(rng: random.Random) -> bytes:
    """Well-framed packets of random commands and random data."""
    return b"".join(pkt(bytes([rng.choice(COMMANDS)]), rng.randbytes(rng.randint(0, 40)))
                    for _ in range(rng.randint(1, 30)))


@pytest.mark.parametrize("seed", range(40))
def test_random_bytes_and_random_packets_never_crash_the_milter(milter_filter, seed):
    rng = random.Random(seed)
    if seed < 10:  # random bytes (nearly always a length no mail server sends)
        wire = rng.randbytes(rng.randint(1, 400))
    else:  # random packets after a proper start: each command taken apart on its own
        wire = negotiation() + random_packets(rng)
    with socket.create_connection(("127.0.0.1", milter_filter.port), timeout=TIMEOUT) as sock:
        sock.sendall(wire)
        sock.shutdown(socket.SHUT_WR)  # (the milter then closes its end too)
        answers = parse(read_to_end(sock))
    for command, data in answers:
        assert command in (b"O", b"c", b"d", b"y"), (command, data)
        if command == b"y":  # an SMTP reply: 4xx or 5xx (a notice the sink refused)
            assert data[:1] in (b"4", b"5") and data.endswith(b"\0"), data
    still_serving(milter_filter.port)


def test_an_end_of_message_out_of_place_is_answered_451(milter_filter):
    # No MAIL, no RCPT, nothing: a command out of place (Postfix never does this), answered
    # 451 like any garbage, never silence, never "continue".
    with Client(milter_filter.port) as client:
        client.start()
        client.send(b"E")
        answer = client.read()
        assert answer is not None and answer[0] == b"y" and answer[1].startswith(b"451")
    still_serving(milter_filter.port)


# ---------------------------------------------------------------------------- failures

def broken(*args, **kwargs):
    raise RuntimeError("the checker fell over")


def test_a_checker_failure_is_451_until_the_same_message_has_failed_enough_to_hold(
        milter_filter, mail_school, sink, monkeypatch):
    # engine.decide raising: the event loop's check and the worker's both fail.
    monkeypatch.setattr(engine, "decide", broken)
    raw = message(PUPIL, "grandma@example.org", "hi", "hello")
    answers = [one(milter_filter.port, PUPIL, ["grandma@example.org"], raw)
               for _ in range(server.HOLD_AFTER_FAILURES)]
    # Postfix tries again after each 451; the last failure holds it (never passes it).
    assert answers == [TEMPFAIL] * (server.HOLD_AFTER_FAILURES - 1) + [DISCARD]
    [copy] = held(mail_school["folder"])
    assert copy.read_bytes() == raw
    [notice] = sink.to(PUPIL)
    assert "could not check" in notice.text
    assert sink.to("grandma@example.org") == []


def test_staff_mail_continues_unchecked_when_the_school_chose_fail_open(
        milter_filter, mail_school, sink, monkeypatch):
    MailFilterSettings.objects.filter(school=mail_school["school"]).update(staff_fail_open=True)
    publish(mail_school["school"])
    monkeypatch.setattr(engine, "decide", broken)
    assert one(milter_filter.port, PUPIL, ["grandma@example.org"],
               message(PUPIL, "grandma@example.org", "hi", "hello")) == TEMPFAIL
    assert one(milter_filter.port, TEACHER, [OUT],
               message(TEACHER, OUT, "hi", "hello")) == CONTINUE
    assert sink.delivered == []  # Postfix delivers it, not the milter
    [event] = [json.loads(p.read_bytes()) for p in events(mail_school["folder"])]
    assert (event["outcome"], event["sender"]) == ("passed_unchecked", TEACHER)


def test_no_snapshot_is_451_until_one_is_published(milter_filter, mail_school):
    (mail_school["folder"] / engine.SNAPSHOT_FILE).unlink()
    raw = message(TEACHER, OUT, "hi", "hello")
    assert one(milter_filter.port, TEACHER, [OUT], raw) == TEMPFAIL
    publish(mail_school["school"])
    assert one(milter_filter.port, TEACHER, [OUT], raw) == CONTINUE


def test_too_many_recipients_is_refused_whole_at_the_end_of_the_message(
        milter_filter, mail_school, monkeypatch):
    # (A limit of 3 for the connections made from now on.)
    monkeypatch.setattr(milter.MilterProtocol.__init__, "__defaults__", (3,))
    raw = message("someone@forged.example", TEACHER, "About today", OBSCENE)
    many = [TEACHER, "a@hollinspark.sch.uk", "b@hollinspark.sch.uk", "c@hollinspark.sch.uk"]
    clean = message(TEACHER, OUT, "Trip", "Coats please.")
    with Client(milter_filter.port) as client:
        client.start()
        command, data = client.mail("someone@forged.example", many, raw)
        assert command == b"y" and data.startswith(b"550 5.5.3 Too many recipients")
        assert data.endswith(b"\0") and b"\0" not in data[:-1]
        client.send(b"A")
        # Three is not too many; the next message on the connection starts afresh.
        assert client.mail(TEACHER, [OUT, "grandma@example.org", "x@example.net"],
                           clean) == CONTINUE
        client.quit()
    assert held(mail_school["folder"]) == []  # refused, not checked


def test_a_message_bigger_than_the_limit_is_refused_552_and_not_held(milter_filter,
                                                                   mail_school, monkeypatch):
    monkeypatch.setattr(milter, "MAX_MESSAGE", 4096)
    big = message("someone@forged.example", TEACHER, "About today",
                  OBSCENE + "\n" + "more words here " * 500)
    assert len(big) > 4096
    with Client(milter_filter.port) as client:
        client.start()
        assert client.mail("someone@forged.example", [TEACHER], big, piece=1000) == (
            b"y", milter.TOO_BIG.encode() + b"\0")
        client.send(b"A")
        assert client.mail(TEACHER, [OUT], message(TEACHER, OUT, "Trip", "Coats.")) == CONTINUE
        client.quit()
    assert milter.TOO_BIG.startswith("552 ")
    assert held(mail_school["folder"]) == []


def test_a_connection_closed_mid_message_leaves_nothing_held(milter_filter, mail_school,
                                                             sink):
    raw = message("someone@forged.example", TEACHER, "About today", OBSCENE)
    with Client(milter_filter.port) as client:
        client.start()
        for command, data in message_packets("someone@forged.example", [TEACHER], raw,
                                             client.options)[:-1]:  # all but the end
            client.send(command, data)
    still_serving(milter_filter.port)  # (answered after the closed connection was read)
    assert held(mail_school["folder"]) == [] and sink.delivered == []
    assert events(mail_school["folder"]) == []


# ---------------------------------------------------------------------------- answers

def test_a_percent_sign_in_a_reply_is_doubled():
    assert milter.reply_code("550 5.7.1 100% sure") == pkt(b"y", b"550 5.7.1 100%% sure\0")
    assert milter.reply_code("451 4.3.0 50%% odd") == pkt(b"y", b"451 4.3.0 50%%%% odd\0")


def test_the_content_filters_answers_become_the_milters():
    for outcome in (engine.HOLD, engine.RETURN, engine.REFUSE):
        assert milter.answer_packet(server.ANSWERS[outcome]) == pkt(*DISCARD)
    assert milter.answer_packet(server.PASSED) == pkt(*CONTINUE)
    assert milter.answer_packet("250 2.0.0 Passed unchecked (the school chose fail-open "
                                "for staff)") == pkt(*CONTINUE)
    assert milter.answer_packet(server.TEMPFAIL) == pkt(*TEMPFAIL)
    assert milter.answer_packet("554 5.6.0 refused: 100%") == pkt(
        b"y", b"554 5.6.0 refused: 100%%\0")
