"""esafety filter decide URL --user USERNAME [--at TIME] [--json] | publish | ingest | helper | whois"""

import datetime
import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from esafety.engine.urls.normalise import parse_target
from esafety.filtering import actions, publish
from esafety.filtering.management.commands._common import person_by_username, school_by_slug
from esafety.filtering.rules import category_label, clause_for, rule_label, school_labels


class Command(BaseCommand):
    help = "Web filtering: decide a URL for a person, publish the snapshot, ingest helper logs."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True,
                                    metavar="decide|publish|ingest|helper|whois")
        decide = sub.add_parser("decide", help="what the filter would do with a URL")
        decide.add_argument("url")
        decide.add_argument("--user", required=True, help="username")
        decide.add_argument("--at", help="ISO-8601 time (default now)")
        decide.add_argument("--method", default="GET", help="GET (default) or CONNECT")
        decide.add_argument("--json", action="store_true", help="print JSON")
        pub = sub.add_parser("publish", help="write the lists and policy snapshot again")
        pub.add_argument("--school")
        ingest = sub.add_parser("ingest", help="load the helper's decision logs, raise alerts")
        ingest.add_argument("--school")
        ingest.add_argument("--every", type=int, metavar="SECONDS",
                            help="keep running, ingesting every SECONDS (instead of cron)")
        helper = sub.add_parser("helper", help="the Squid url_rewrite helper")
        helper.add_argument("rest", nargs="*")
        whois = sub.add_parser("whois", help="the Squid external ACL helper: who is at a "
                               "client address (reads the snapshot folder, not the database)")
        whois.add_argument("--school", help="the school's short name (slug)")
        whois.add_argument("--snapshot", help="the snapshot folder (default: the school's)")

    def handle(self, *args, what, **options):
        if what == "decide":
            return self._decide(options)
        if what == "helper":
            from esafety.engine.urls.helper import main as helper_main

            raise SystemExit(helper_main(options["rest"]))
        if what == "whois":
            raise SystemExit(self._whois(options))
        school = school_by_slug(options.get("school"))
        if what == "publish":
            publish.publish_all(school)
            from esafety.network.publishing import write_bindings

            write_bindings(school)
            self.stdout.write(f"Published filtering snapshot for {school.name} to "
                              f"{publish.snapshot_dir(school)}")
        elif what == "ingest":
            while True:
                loaded = actions.spool_load(school=school)
                self._loaded(loaded)
                # Who is at which computer: the helpers' activity, idle sign-ins, the
                # stale-snapshot alert (esafety/network).
                from esafety.network.actions import ingest_network

                network = ingest_network(school=school)
                if network.seen or network.ended or network.alert or options["verbosity"] > 1:
                    self.stdout.write(
                        f"Network: {network.seen} computer(s) seen in use, "
                        f"{network.ended} sign-in(s) ended"
                        f"{', policy republished' if network.republished else ''}"
                        f"{'; ALERT: ' + network.alert if network.alert else ''}")
                if not options.get("every"):
                    break
                time.sleep(max(5, options["every"]))

    def _loaded(self, loaded) -> None:
        """What an ingest did: lines read, stored, skipped (how many for each reason, and
        where the first few are, so the IT manager can look at them in the file)."""
        self.stdout.write(
            f"Ingested {loaded.files} file(s): {loaded.read} line(s) read, "
            f"{loaded.rows} decision(s) stored, {loaded.counted} allowed count(s) added, "
            f"{loaded.skipped} line(s) skipped; {len(loaded.alerts)} alert(s) raised.")
        for reason, count in loaded.skipped_by_reason.items():
            first = loaded.skipped_lines.get(reason, [])
            more = ", ..." if count > len(first) else ""
            self.stdout.write(f"  skipped {count}: {reason} (first at {', '.join(first)}{more})")

    def _whois(self, options) -> int:
        """The engine's whois helper as it is (`esafety filter whois` itself goes straight to
        it, without Django: esafety/filtering/command_entry.py); it finds the school's
        snapshot folder in the data folder the same way."""
        from esafety.engine.urls.whois import main as whois_main

        argv = []
        for name in ("snapshot", "school"):
            if options.get(name):
                argv += [f"--{name}", options[name]]
        return whois_main(argv)

    def _decide(self, options):
        person = person_by_username(options["user"])
        if person is None:  # (an empty --user)
            raise CommandError("say whose request it is with --user USERNAME")
        school = person.school
        if school is None:
            raise CommandError(f"{person.username} is not in a school")
        at = timezone.now()
        if options.get("at"):
            try:
                at = datetime.datetime.fromisoformat(options["at"])
            except ValueError:
                raise CommandError(f"--at {options['at']!r} is not an ISO-8601 time") from None
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        policy = publish.current_policy(school)
        method = options["method"].upper()
        target = parse_target(options["url"], method)
        if target is None:
            raise CommandError(f"{options['url']!r} is not a URL with a host")
        decision = policy.decide(target, person.username, at.timestamp(), method,
                                 options["url"])
        result = {"action": decision.action, "category": decision.category,
                  "group": decision.group, "rule": decision.rule, "reason": decision.reason}
        if decision.rewrite:
            result["rewrite"] = decision.rewrite
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        heading, clause = clause_for(decision.rule, "working time" in decision.reason)
        self.stdout.write(f"{decision.action.upper()}: {options['url']}")
        self.stdout.write(f"  for {person.display_name} ({decision.group}) at "
                          f"{timezone.localtime(at):%a %d %b %Y %H:%M}")
        label = category_label(decision.category, school_labels(school))
        self.stdout.write(f"  category: {label + f' ({decision.category})' if label else '-'}"
                          f"   why: {rule_label(decision.rule)} ({decision.rule})")
        if decision.reason:
            self.stdout.write(f"  {decision.reason}")
        if decision.action == "block":
            self.stdout.write(f"  {heading}: {clause}")
