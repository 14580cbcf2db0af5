import socket

import pytest

from tests.incidents.conftest import (  # noqa: F401  (the incident log's standing cases)
    bully,
    investigated,
    media_root,
    reported,
    substantiated,
    with_bully,
)


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def mail_server_down(settings):
    """The smtp backend pointed at a loopback port nobody listens on: the server is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Closed when the with-block ends: a connection to it is refused at once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 2
    return port
