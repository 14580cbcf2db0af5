"""A real Postfix (Debian's) of the test's own, on loopback: its own config_directory,
queue_directory and data_directory in a temporary folder, never the system's instance.

    public smtpd  127.0.0.1:<public>   content_filter = esafety-filter:[127.0.0.1]:<filter>
                                       (or, milter=True: smtpd_milters = inet:...:<filter>)
    re-injection  127.0.0.1:<reinject> content_filter empty (what the filter sends back)
    relayhost     [127.0.0.1]:<sink>   everything (and Postfix's own bounces) ends there

Postfix's master must start as root (it then runs as mail_owner, `postfix`), as the
system's would; the tests skip elsewhere, saying why (and fail instead under
ESAFETY_REQUIRE_REAL_PARTS=1, which scripts/test sets as root and in CI). Retries are made
fast (1 s) so a message the filter answered 4xx, or a filter that was killed, is tried again
within the test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.mailfilter.harness import free_port

POSTFIX = "/usr/sbin/postfix"
MASTER_DIST = Path("/usr/share/postfix/master.cf.dist")


def available() -> bool:
    return os.path.exists(POSTFIX) and MASTER_DIST.exists() and os.geteuid() == 0


SERVICES = ("pickup", "cleanup", "qmgr", "rewrite", "bounce", "defer", "trace", "verify",
            "flush", "proxymap", "proxywrite", "smtp", "relay", "showq", "error", "retry",
            "discard", "anvil", "scache", "postlog")


class Postfix:
    def __init__(self, sink_port: int, filter_port: int | None, extra: str = "",
                 filter_connections: int = 10, filter_to_itself: bool = False,
                 milter: bool = False):
        self.extra = extra  # more main.cf lines
        # The filter as a milter of the public smtpd (before the queue) instead of its
        # after-queue content filter.
        self.milter = milter
        self.filter_connections = filter_connections
        self.sink_port = sink_port
        self.filter_port = filter_port
        self.public = free_port()
        self.reinject = free_port()
        if filter_to_itself:
            # A filter that costs nothing (benchmarks/mail_filter.py's ceiling): the filter
            # transport delivers straight to this instance's own re-injection smtpd.
            self.filter_port = self.reinject
        self.root = Path(tempfile.mkdtemp(prefix="esafety-postfix-", dir="/tmp"))
        self.etc = self.root / "etc"
        self.spool = self.root / "spool"
        self.data = self.root / "data"
        self.log = self.root / "postfix.log"

    def _main_cf(self) -> str:
        return f"""compatibility_level = 3.6
queue_directory = {self.spool}
data_directory = {self.data}
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.hollinspark.sch.uk
mydomain = hollinspark.sch.uk
myorigin = hollinspark.sch.uk
mydestination =
local_recipient_maps =
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:{self.sink_port}
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
maillog_file = {self.log}
maillog_file_prefixes = /tmp, /var, /dev/stdout
smtputf8_enable = no
biff = no
smtp_dns_support_level = disabled
smtp_tls_security_level = none
smtpd_tls_security_level = none
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
transport_retry_time = 1s
default_destination_concurrency_failed_cohort_limit = 1000
smtp_connect_timeout = 5s
smtpd_recipient_limit = 20000
message_size_limit = 104857600
default_process_limit = 20
smtpd_client_connection_count_limit = 0
smtpd_client_message_rate_limit = 0
anvil_rate_time_unit = 60s
{self.extra}
"""

    def _master_cf(self) -> str:
        lines = []
        for line in MASTER_DIST.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 8 and fields[0] in SERVICES and fields[1] != "inet":
                fields[4] = "n"  # no chroot: the spool is under /tmp, not /var/spool
                lines.append("  ".join(fields))
            elif lines and line.startswith((" ", "\t")) and line.strip().startswith("-o") \
                    and lines[-1].split()[0] in SERVICES:
                lines.append(line)
        public = f"127.0.0.1:{self.public} inet n - n - - smtpd"
        if self.filter_port is not None and self.milter:
            public += (f"\n  -o smtpd_milters=inet:127.0.0.1:{self.filter_port}"
                       "\n  -o milter_default_action=tempfail")
        elif self.filter_port is not None:
            public += (f"\n  -o content_filter=esafety-filter:[127.0.0.1]:{self.filter_port}"
                       "\n  -o receive_override_options=no_address_mappings")
            # The filter's own transport, as Postfix's FILTER_README sets one up: as many
            # connections as the filter checks messages at once (more only wait in its
            # queue), no MIME conversion on the way (the filter re-injects the bytes it got).
            lines.append(f"esafety-filter unix - - n - {self.filter_connections} smtp\n"
                         "  -o disable_mime_output_conversion=yes\n"
                         "  -o smtp_generic_maps=\n"
                         "  -o smtp_connection_cache_on_demand=yes")
        lines.append(public)
        lines.append(
            f"127.0.0.1:{self.reinject} inet n - n - - smtpd\n"
            "  -o content_filter=\n"
            "  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,"
            "no_milters\n"
            "  -o smtpd_recipient_restrictions=permit_mynetworks,reject\n"
            "  -o mynetworks=127.0.0.0/8")
        return "\n".join(lines) + "\n"

    def start(self) -> Postfix:
        for folder in (self.etc, self.spool, self.data):
            folder.mkdir(parents=True)
        shutil.chown(self.data, "postfix", "postfix")
        (self.etc / "main.cf").write_text(self._main_cf())
        (self.etc / "master.cf").write_text(self._master_cf())
        self.root.chmod(0o755)
        subprocess.run([POSTFIX, "-c", str(self.etc), "start"], check=True,
                       capture_output=True, timeout=60)
        return self

    def stop(self) -> None:
        subprocess.run([POSTFIX, "-c", str(self.etc), "stop"], capture_output=True, timeout=60)
        time.sleep(0.5)
        shutil.rmtree(self.root, ignore_errors=True)

    def queue_count(self) -> int:
        """Messages still in Postfix's queue (active, incoming, deferred, maildrop)."""
        return sum(1 for sub in ("maildrop", "incoming", "active", "deferred", "hold")
                   for _, _, files in os.walk(self.spool / sub) for _ in files)

    def flush(self) -> None:
        subprocess.run(["/usr/sbin/postqueue", "-c", str(self.etc), "-f"],
                       capture_output=True, timeout=30)

    def __enter__(self) -> Postfix:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
