"""`esafety mail monitor`'s command line: one clear line for a mistake, never a traceback."""

from __future__ import annotations

import pytest

from esafety.mailfilter.command_entry import main as mail_main
from esafety.mailmonitor.server import listen_address, main


def test_an_unknown_school_is_one_clear_line(school, capsys):
    assert main(["--school", "nowhere", "--listen", "127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("esafety mail monitor: ") and "nowhere" in err
    assert "Traceback" not in err


def test_esafety_mail_monitor_reaches_this_command(school, capsys):
    assert mail_main(["monitor", "--school", "nowhere"]) == 2
    assert "esafety mail monitor: " in capsys.readouterr().err


@pytest.mark.parametrize("value", ["10027", "host:", ":25", "h:99999", "h:port"])
def test_a_bad_listen_address_is_refused(value):
    with pytest.raises(Exception) as refused:
        listen_address(value)
    assert "HOST:PORT" in str(refused.value)


def test_a_listen_address_is_read():
    assert listen_address("127.0.0.1:10027") == ("127.0.0.1", 10027)
    assert listen_address("[::1]:10027") == ("::1", 10027)
