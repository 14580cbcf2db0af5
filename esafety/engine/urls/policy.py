"""Group, time and exception policy, and the one decision function.

The web app publishes the policy as a small JSON file (``policy.json``); the lists are
published separately (``lists.snap``) because they change rarely and are large. The helper
and ``esafety filter decide`` both call :func:`Policy.decide`.

Order of the rules (the first that applies wins):

1. ``statutory``      the request falls in a statutory category: blocked for everyone,
                      whatever else says (UK Safer Internet Centre: illegal content lists
                      nobody can switch off);
2. ``suspended``      the person's internet access is suspended for now (002 "In the Event
                      of Inappropriate Use");
3. ``school-block``   on the school's own block list;
4. ``school-allow``   on the school's own allow list;
5. ``unblock``        an approved unblock covers this site, this page (and the pages below
                      it) or this category for this person now (002 "Education - Students":
                      lifted "for the period of study"); a page unblock never opens the
                      whole site, and cannot open HTTPS without interception (CONNECT
                      carries no path);
6. ``approved-only``  the group may only reach approved sites (004 §3.2.2, KS1);
7. ``group-policy``   the category is blocked for the group, always or in working time;
8. ``allowed``        nothing blocks it.

Before them, when the published policy names who may use the network (the keys ``refused``,
``aup_pending``, ``unidentified``, ``signin_page``, ``aup_page``, ``web_hosts``; a policy
without them is decided exactly as above):

- ``esafety-page``    esafety's own pages (``web_hosts``: the sign-in page, the AUP page,
                      the block page, the school's identity provider) are open to everyone,
                      so anyone can sign in and accept the AUP;
- ``access-ended``    a leaver, an expired guest or a deactivated account (``refused``) is
                      blocked from everything (003 §5.9: entitlement to access ceases);
- ``aup-pending``     a person who has not accepted the current AUP is sent to the AUP page
                      with ``?next=`` the address they asked for (002 App. 1);
- ``sign-in``         with ``unidentified`` "signin" (the default once ``signin_page`` is
                      published), a request with no username is sent to the sign-in page
                      with ``?next=``; "guests" keeps the guests group. A statutory
                      category still gets the block page;
- ``unknown-person``  with "signin", a username the school does not know (one the proxy
                      authenticated) gets the block page, never the guests group.

``aup-pending`` and ``sign-in`` are blocks that carry ``redirect``: the helper sends the
browser there instead of to the block page.
"""

from __future__ import annotations

import datetime
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from esafety.engine.urls.normalise import Target, host_suffixes, url_prefixes
from esafety.engine.urls.snapshot import CompiledLists

FORMAT = 1
BLOCK = "block"
WORKING_TIME = "working_time"  # blocked in working time, allowed in personal time
PUPIL_GROUPS = ("ks1", "ks2", "ks3", "ks4", "sixth_form")


class PolicyError(Exception):
    """A policy file that is missing or cannot be used."""


@dataclass
class Decision:
    action: str  # "allow" | "block"
    category: str | None = None
    group: str | None = None
    rule: str = "allowed"
    reason: str = ""
    categories: list | None = None
    rewrite: str | None = None  # safe-search rewrite of an allowed URL
    redirect: str | None = None  # a block that sends the browser here (sign-in, AUP page)

    @property
    def blocked(self) -> bool:
        return self.action == "block"

    def as_dict(self) -> dict:
        data = asdict(self)
        if data["rewrite"] is None:
            data.pop("rewrite")
        if data["redirect"] is None:
            data.pop("redirect")
        if not data["categories"]:
            data["categories"] = []
        return data


def _minutes(text: str) -> int:
    hours, _, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes or 0)


ACCESS_ENDED = {
    "left": "Your access to the school's internet has ended because you have left the "
            "school.",
    "expired": "Your guest access to the school's internet has ended.",
    "inactive": "Your access to the school's internet has ended: your account is no longer "
                "active.",
    "": "Your access to the school's internet has ended.",
}
AUP_PENDING = ("Before you can use the internet you must read and accept the school's "
               "Acceptable Use Policy.")
SIGN_IN = "Sign in to use the school's internet."
UNKNOWN_PERSON = ("The school's filter does not know the name you signed in with, so it "
                  "cannot let you use the internet. Please ask the school's IT team.")


def _bare_host(host: object) -> str:
    """A web host as the policy lists it, lower case and without a port."""
    text = str(host).strip().lower().rstrip(".")
    head, colon, port = text.rpartition(":")
    if colon and port.isdigit() and (head.count(":") == 0 or head.endswith("]")):
        text = head
    return text.strip("[]")


def _host_in(host: str, hosts) -> str | None:
    for suffix in host_suffixes(host):
        if suffix in hosts:
            return suffix
    return None


# Safe search on the major engines, for groups that have it (UK SIC "appropriate filtering").
def safe_search_rewrite(target: Target, original: str) -> str | None:
    host = target.host
    path = target.stripped[target.stripped.find("/"):]
    if "google." in host and (path.startswith("/search") or path.startswith("/images")):
        param = "safe=active"
    elif host.endswith("bing.com") and path.startswith("/search"):
        param = "adlt=strict"
    elif host.endswith("duckduckgo.com") and "q=" in path:
        param = "kp=1"
    else:
        return None
    if param in original:
        return None
    return original + ("&" if "?" in original else "?") + param


class Policy:
    """A school's filtering policy at one version, ready to decide."""

    def __init__(self, data: dict, lists: CompiledLists | None):
        self.data = data
        self.lists = lists
        # Why everything is blocked, for a policy made by fail_closed (else None).
        self.fail_reason: str | None = None
        self.standalone = bool(data.get("standalone"))
        self.version = str(data.get("version", ""))
        self.block_page = data.get("block_page", "")
        self.tz = ZoneInfo(data.get("timezone") or "Europe/London")
        self.default_group = data.get("default_group", "guests")
        self.users = {u.lower(): tuple(v) for u, v in data.get("users", {}).items()}
        self.labels = data.get("labels", {})
        self.group_labels = data.get("group_labels", {})
        names = lists.mask_of if lists is not None else (lambda _names: 0)
        self.statutory_names = frozenset(data.get("statutory", []))
        self.statutory_mask = names(self.statutory_names)
        self.groups = {}
        self.group_rules = {}
        for group, spec in data.get("groups", {}).items():
            rules = spec.get("rules", {})
            self.group_rules[group] = dict(rules)
            always = names([c for c, a in rules.items() if a == BLOCK])
            working = always | names([c for c, a in rules.items() if a == WORKING_TIME])
            self.groups[group] = {
                "always": always, "working": working,
                "approved_only": bool(spec.get("approved_only")),
                "safe_search": bool(spec.get("safe_search")),
            }
        self.working_time = {int(day): [(_minutes(a), _minutes(b)) for a, b in spans]
                             for day, spans in data.get("working_time", {}).items()}
        self.school_block = set(data.get("school_block", []))
        self.school_allow = set(data.get("school_allow", []))
        self.approved = set(data.get("approved_sites", []))
        self.unblocks = []
        for u in data.get("unblocks", []):
            self.unblocks.append({
                **u, "mask": names(u.get("categories", [])),
                "sites": set(u.get("sites", [])), "groups": set(u.get("groups", [])),
                # Pages: stripped URL prefixes as the lists hold them ("bbc.co.uk/bitesize").
                "urls": set(u.get("urls", [])),
                "forms": set(u.get("forms", [])),
                "users": {x.lower() for x in u.get("users", [])},
            })
        self.suspensions: dict[str, list] = {}
        for s in data.get("suspensions", []):
            self.suspensions.setdefault(s["user"].lower(), []).append(
                (s["starts"], s["ends"], s.get("id")))
        self.missing_lists = lists is None
        # Who may use the network (all optional: an older policy.json has none of them).
        self.refused = {str(u).lower(): str(why)
                        for u, why in (data.get("refused") or {}).items()}
        self.aup_pending = {str(u).lower() for u in data.get("aup_pending") or ()}
        self.signin_page = str(data.get("signin_page") or "")
        self.aup_page = str(data.get("aup_page") or "")
        self.web_hosts = {_bare_host(h) for h in data.get("web_hosts") or ()}
        # The same test as _host_in(host, web_hosts), in one call: a parent domain of a
        # host is what follows one of its dots.
        self._web_parents = tuple("." + h for h in self.web_hosts)
        unidentified = data.get("unidentified") or ("signin" if self.signin_page else "guests")
        # Anything but "guests" is the strict default: a typo never opens the network.
        self.unidentified = "guests" if unidentified == "guests" else "signin"
        self.gated = bool(self.web_hosts or self.refused or self.aup_pending
                          or self.unidentified == "signin")
        self._working_at: float | None = None
        self._working = False

    # -- construction -------------------------------------------------------------------
    @classmethod
    def standalone_blocking(cls, lists: CompiledLists, categories) -> Policy:
        """Everyone gets the same answer: block these categories (``--block``)."""
        categories = list(lists.categories) if categories == "all" else list(categories)
        return cls({"standalone": True, "default_group": "all",
                    "groups": {"all": {"rules": {c: BLOCK for c in categories}}},
                    "version": "standalone"}, lists)

    @classmethod
    def fail_closed(cls, reason: str) -> Policy:
        """No usable policy: block everything for everyone, and say why."""
        policy = cls({"version": "none"}, None)
        policy.fail_reason = reason
        return policy

    @classmethod
    def load(cls, path: str | os.PathLike, lists: CompiledLists | None) -> Policy:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise PolicyError(f"cannot use policy file {path}: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise PolicyError(f"{path}: not an esafety filtering policy (format {FORMAT})")
        return cls(data, lists)

    # -- questions ----------------------------------------------------------------------
    def group_of(self, user: str | None) -> tuple[str, str]:
        """(group, form) of a username; unknown people are in the default group."""
        if user:
            found = self.users.get(user.lower())
            if found:
                return found[0], (found[1] if len(found) > 1 else "")
        return self.default_group, ""

    def is_working_time(self, at: float) -> bool:
        # The helper asks with the same `at` for a whole batch of lines: remember the answer.
        if at == self._working_at:
            return self._working
        local = datetime.datetime.fromtimestamp(at, self.tz)
        minute = local.hour * 60 + local.minute
        working = any(a <= minute < b for a, b in self.working_time.get(local.weekday(), ()))
        self._working_at, self._working = at, working
        return working

    def label(self, category: str | None) -> str:
        if category is None:
            return ""
        return self.labels.get(category, category.replace("_", " "))

    def decide(self, target: Target | None, user: str | None = None, at: float | None = None,
               method: str = "GET", original: str = "") -> Decision:
        """The answer for one request. `at` is a Unix time (default now)."""
        at = time.time() if at is None else at
        if self.fail_reason is not None:
            return Decision("block", rule="no-policy", reason=self.fail_reason)
        group, form = self.group_of(user)
        if target is None:
            return Decision("allow", group=group, rule="no-url",
                            reason="Nothing to decide: the request has no usable URL.")
        if self.gated:
            gated = self._gate(target, user, group, method, original)
            if gated is not None:
                return gated
        lists = self.lists
        if lists is None:
            if group in PUPIL_GROUPS or group == self.default_group:
                return Decision("block", group=group, rule="no-lists",
                                reason="The category lists are not available, so pupils' "
                                       "access is blocked until they are.")
            return Decision("allow", group=group, rule="no-lists",
                            reason="The category lists are not available; staff are not "
                                   "filtered until they are.")
        host_only = method == "CONNECT"
        mask = lists.match(target, host_only=host_only)
        statutory = mask & self.statutory_mask
        if statutory:
            category = lists.first_name(statutory)
            return Decision("block", category, group, "statutory",
                            f"{self.label(category)} is blocked for everyone and cannot be "
                            "unblocked.", lists.names_of(mask))
        if user and self.suspensions:
            for starts, ends, _ in self.suspensions.get(user.lower(), ()):
                if starts <= at < ends:
                    return Decision("block", lists.first_name(mask), group, "suspended",
                                    "Your internet access is suspended until "
                                    f"{self._local(ends)}.", lists.names_of(mask))
        host = target.host
        if self.school_block and _host_in(host, self.school_block):
            return Decision("block", lists.first_name(mask), group, "school-block",
                            "The school has blocked this site.", lists.names_of(mask))
        if self.school_allow and _host_in(host, self.school_allow):
            return self._allowed(lists, target, group, "school-allow",
                                 "The school has allowed this site.", mask, original)
        spec = self.groups.get(group)
        if spec is None:
            return Decision("block", lists.first_name(mask), group, "unknown-group",
                            f"No filtering rules are set for group {group}.",
                            lists.names_of(mask))
        working = bool(self.working_time) and self.is_working_time(at)
        blocked = (spec["working"] if working else spec["always"]) & mask
        unblocked_by = None
        if self.unblocks:
            prefixes = None
            for u in self.unblocks:
                if not (u["starts"] <= at < u["ends"]):
                    continue
                if not (group in u["groups"] or (form and form in u["forms"])
                        or (user and user.lower() in u["users"])):
                    continue
                if u["sites"] and _host_in(host, u["sites"]):
                    return self._allowed(lists, target, group, "unblock",
                                         f"Unblocked until {self._local(u['ends'])}: "
                                         f"{u.get('reason', '')}".strip(), mask, original,
                                         unblock=u)
                if u["urls"] and not host_only:
                    if prefixes is None:
                        prefixes = url_prefixes(target.stripped)
                    if any(p in u["urls"] for p in prefixes):
                        return self._allowed(lists, target, group, "unblock",
                                             f"Unblocked until {self._local(u['ends'])}: "
                                             f"{u.get('reason', '')}".strip(), mask, original,
                                             unblock=u)
                if blocked & u["mask"]:
                    blocked &= ~u["mask"]
                    unblocked_by = u
        if spec["approved_only"] and not (self.approved and _host_in(host, self.approved)):
            if unblocked_by is None:
                return Decision("block", lists.first_name(mask), group, "approved-only",
                                "Only sites an adult has approved can be used in "
                                f"{self.group_labels.get(group, group)}.",
                                lists.names_of(mask))
        if blocked:
            category = lists.first_name(blocked)
            if self.standalone:
                reason = f"{self.label(category)} is blocked."
            elif spec["always"] & blocked:
                reason = (f"{self.label(category)} is blocked for "
                          f"{self.group_labels.get(group, group)}.")
            else:
                reason = (f"{self.label(category)} is blocked for "
                          f"{self.group_labels.get(group, group)} in working time.")
            return Decision("block", category, group, "group-policy", reason,
                            lists.names_of(mask))
        if unblocked_by is not None:
            return self._allowed(lists, target, group, "unblock",
                                 f"Unblocked until {self._local(unblocked_by['ends'])}: "
                                 f"{unblocked_by.get('reason', '')}".strip(), mask, original)
        return self._allowed(lists, target, group, "allowed", "", mask, original)

    def category_answer(self, group: str, category: str, working: bool) -> tuple[str, str]:
        """(action, rule) for an address listed only in `category`, for someone in `group`,
        in working time or not: what the filtering table shows. Site lists, unblocks and
        suspensions are about particular sites and people, so they are left out. Agrees
        with :meth:`decide` (a test checks every sample category)."""
        if self.fail_reason is not None:
            return "block", "no-policy"
        if category in self.statutory_names:
            return "block", "statutory"
        spec = self.groups.get(group)
        if spec is None:
            return "block", "unknown-group"
        if spec["approved_only"]:
            return "block", "approved-only"
        action = self.group_rules.get(group, {}).get(category)
        if action == BLOCK or (action == WORKING_TIME and working and self.working_time):
            return "block", "group-policy"
        return "allow", "allowed"

    def _gate(self, target: Target, user: str | None, group: str, method: str,
              original: str) -> Decision | None:
        """The network's door (see the module's docstring): a decision, or None to go on
        with the rules."""
        if self.web_hosts and (target.host in self.web_hosts
                               or target.host.endswith(self._web_parents)):
            return Decision("allow", group=group, rule="esafety-page",
                            reason="The school's own esafety pages are always open.")
        name = user.lower() if user else ""
        if name and name in self.refused:
            return Decision("block", None, None, "access-ended",
                            ACCESS_ENDED.get(self.refused[name], ACCESS_ENDED[""]))
        if name and name in self.aup_pending:
            page, rule, reason = self.aup_page, "aup-pending", AUP_PENDING
        elif self.unidentified == "signin" and not name:
            page, rule, reason = self.signin_page, "sign-in", SIGN_IN
            group = ""
        elif self.unidentified == "signin" and name not in self.users:
            # A name the proxy authenticated that the school does not know: signing in on
            # the portal cannot change it, so the block page says so (never a guest).
            page, rule, reason = "", "unknown-person", UNKNOWN_PERSON
            group = ""
        else:
            return None
        lists = self.lists
        if lists is not None and lists.match(target, host_only=method == "CONNECT") \
                & self.statutory_mask:
            return None  # the statutory block page, as for everyone
        redirect = None
        if page:
            redirect = (f"{page}{'&' if '?' in page else '?'}next="
                        + quote((original or target.url)[:2000], safe="/:"))
        return Decision("block", None, group or None, rule, reason, redirect=redirect)

    def _allowed(self, lists: CompiledLists, target, group, rule, reason, mask, original,
                 unblock=None) -> Decision:
        decision = Decision("allow", lists.first_name(mask), group, rule, reason,
                            lists.names_of(mask))
        spec = self.groups.get(group)
        if spec and spec["safe_search"] and original and target.scheme in ("http", "https"):
            decision.rewrite = safe_search_rewrite(target, original)
        return decision

    def _local(self, ts: float) -> str:
        return datetime.datetime.fromtimestamp(ts, self.tz).strftime("%d %b %Y %H:%M")
