"""The fast path for plain address headers gives what email.utils.getaddresses gives."""

import email.utils

import pytest

from esafety.engine.messages.message import _plain_addresses

PLAIN = [
    "a@b.com",
    " a.b+c@d-e.co.uk ",
    "John Smith <a@b.com>",
    "John Smith<a@b.com>",
    "O'Neil-Jones <x.y@z.org>",
    '"Smith, John" <j.smith@school.sch.uk>',
    '"" <a@b.c>',
    '"a@b" <c@d.e>',
    "a@b.c (John Smith)",
    "a@b.c (J. S.)",
    "a@b.c, d@e.f",
    "a@b.c,d@e.f",
    "John Smith <a@b.com>, Jane Doe <j.doe@c.org>, x@y.z",
    '"Smith, John" <j.smith@school.sch.uk>',
]

NOT_PLAIN = [
    "<a@b.c>",
    "John  Smith <a@b.c>",
    "a@b.c, , d@e.f",
    "a@b.c,",
    "John Smith <a@b.com>, J. Doe <d@e.f>",
    '"Escaped \\" quote" <a@b.c>',
    "a@b.c (nested (comment))",
    "Group: a@b.c;",
    "a..b@c.d",
    "undisclosed-recipients:;",
]


@pytest.mark.parametrize("value", PLAIN)
def test_a_plain_header_is_read_as_email_utils_reads_it(value):
    assert _plain_addresses([value]) == email.utils.getaddresses([value])


@pytest.mark.parametrize("value", NOT_PLAIN)
def test_anything_else_is_left_to_email_utils(value):
    assert _plain_addresses([value]) is None


def test_one_irregular_value_sends_the_whole_header_to_email_utils():
    assert _plain_addresses(["a@b.c", "a@b.c, d@e.f (Dee, Eff)"]) is None
