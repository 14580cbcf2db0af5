"""Every page of the foundation answers junk input with a page, never a server error."""

import pytest

from esafety.directory import roles

JUNK = {"decision": "maybe", "version": "'; drop table", "left_on": "32/13/2026", "role": "wizard",
        "first_name": "x" * 500, "expires_at": "soon", "number": "", "approved_on": "0000-00-00",
        "review_due": "\x00", "audience": "martians", "status": "???", "year_group": "99",
        "q": "%" * 300, "since": "yesterday", "page": "-1", "event_type": "nope",
        "year_start_day": "40", "year_start_month": "13", "kind": "aliens", "format": "csv"}

PAGES = ["/", "/policies/", "/policies/new/", "/policies/acceptable-use/",
         "/policies/acceptable-use/children/", "/policies/agreements/", "/people/",
         "/people/guests/new/", "/people/import/", "/people/school/", "/audit/"]


@pytest.mark.parametrize("role", [roles.HEADTEACHER, roles.BUSINESS_MANAGER, roles.TEACHER,
                                  roles.PUPIL, roles.PARENT])
def test_junk_never_causes_a_server_error(role, make_person, client_for, pupil):
    client = client_for(make_person(role))
    for url in PAGES + [f"/people/{pupil.pk}/", f"/people/{pupil.pk}/leave/",
                        f"/policies/agreements/paper/{pupil.pk}/", "/policies/999999/publish/"]:
        for response in (client.get(url, JUNK), client.post(url, JUNK)):
            assert response.status_code in (200, 302, 400, 403, 404, 405), (url, response.status_code)


# --- Garbage in every field of every form view ---------------------------------------------
# Numbers, dates and periods are validated everywhere: a huge or negative number, an
# impossible or far-off date, a NUL byte or a very long string gets a page (usually the form
# again with a message), never a server error.
GARBAGE = {
    "huge number": "9" * 40,
    "negative number": "-99999999999",
    "exponent": "1e308",
    "not a number": "NaN",
    "impossible date": "2026-02-30",
    "year 99999": "99999-12-31",
    "year 1": "0001-01-01",
    "year 9999": "9999-12-31",
    "year 9999 at midnight": "9999-12-31 23:59",
    "nul byte": "a\x00b",
    "very long text": "x" * 5_000,
}


def _form_field_names() -> set[str]:
    """Every field name (with its form's prefix) of every form class in the app."""
    import importlib
    import inspect

    from django import forms

    names = set(JUNK)
    for app in ["checks", "directory", "filtering", "incidents", "policies"]:
        module = importlib.import_module(f"esafety.{app}.forms")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, forms.BaseForm) or not hasattr(cls, "base_fields"):
                continue
            prefixes = {getattr(cls, "prefix", None)}
            init = inspect.signature(cls.__init__).parameters.get("prefix")
            if init is not None and isinstance(init.default, str):
                prefixes.add(init.default)
            for name in cls.base_fields:
                names.add(name)
                names.update(f"{prefix}-{name}" for prefix in prefixes if prefix)
    return names


def _routes():
    """(route with <converters>, name) for every page of the app (not Django's admin)."""
    from django.urls import URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    return ["/" + route for route in walk(get_resolver().url_patterns)
            if not route.startswith("admin/")]


@pytest.fixture
def world(headteacher, dsl, online_safety_lead, teacher, pupil, parent):
    """One of each record the pages take an id for."""
    import datetime

    from django.utils import timezone

    from esafety.incidents import actions as incidents
    from esafety.policies import actions as policies

    incident = incidents.incident_report(
        actor=pupil, kind="cyberbullying", via="pupil", people=[pupil],
        description="People in my form keep posting mean comments about me.")
    incidents.investigator_add(actor=dsl, incident=incident, person=dsl)
    incidents.investigator_add(actor=dsl, incident=incident, person=online_safety_lead)
    incidents.evidence_add(actor=dsl, incident=incident, kind="log",
                           upload=("chat.txt", b"12:01 someone: you are a loser\n"))
    document = policies.policy_document_create(actor=headteacher, school=headteacher.school,
                                               title="Staff AUP", audience=roles.AUDIENCE_STAFF)
    version = policies.policy_publish(
        actor=headteacher, document=document, number="1", text="Rules", approved_by="GB",
        approved_on=timezone.localdate(),
        review_due=timezone.localdate() + datetime.timedelta(days=300))
    for person in (headteacher, dsl, online_safety_lead):
        policies.acceptance_record(actor=person, person=person, version=version,
                                   decision="accepted")
    evidence = incident.evidence.first()
    return {
        "incidents/": {"pk": incident.pk, "person_pk": pupil.pk,
                       "evidence_pk": evidence.pk if evidence else 1},
        "people/": {"pk": pupil.pk},
        "policies/versions/": {"pk": version.pk},
        "policies/agreements/": {"person_id": pupil.pk},
        "policies/": {"pk": document.pk},
        "filtering/policy/group/": {"group": "ks3"},
        "filtering/unblocks/": {"decision": "approve"},
    }


def _url(route, world):
    import re

    values = next((v for prefix, v in world.items() if route.startswith("/" + prefix)), {})

    def fill(match):
        converter, name = match.group(1), match.group(2)
        if name in values:
            return str(values[name])
        return "ks3" if converter == "str" else "1"

    return re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


@pytest.mark.parametrize("role", ["headteacher", "dsl", "pupil", "parent"])
def test_garbage_in_every_field_never_causes_a_server_error(role, request, world):
    from django.test import Client

    person = request.getfixturevalue(role)
    client = Client(raise_request_exception=False)
    client.force_login(person, backend="esafety.directory.backends.SchoolAccessBackend")
    names = sorted(_form_field_names())
    kinds = list(GARBAGE.items())
    failures = []
    for route in _routes():
        url = _url(route, world)
        # Round r gives field i the garbage (i + r): over the rounds every field gets every
        # kind, next to different garbage in the other fields (a period from year 1 to 9999).
        for r in range(len(kinds)):
            data = {name: kinds[(i + r) % len(kinds)][1] for i, name in enumerate(names)}
            for method in (client.get, client.post):
                answer = method(url, data)
                if answer.status_code >= 500:
                    failures.append(f"{method.__name__.upper()} {url} round {r}")
    assert failures == []


# --- One bad field in an otherwise good form ------------------------------------------------
# Garbage everywhere stops at the first check; these rounds fill each form on each page the
# way a browser would (its own values, today for dates, 1 for numbers, words for text) and
# spoil one field at a time, so the bad value reaches the code behind the form.
NUMBER_GARBAGE = ["9" * 40, "-1", "-99999999999", "0", "1e308", "NaN", "1.5"]
DATE_GARBAGE = ["2026-02-30", "99999-12-31", "0001-01-01", "9999-12-31", "9999-12-31T23:59",
                "0001-01-01T00:00", "yesterday"]
TEXT_GARBAGE = ["a\x00b", "x" * 5_000]


def _browser_values(form) -> dict:
    """What a browser would send for this form if the person filled every field sensibly."""
    import datetime

    values = {}
    for field in form.inputs:
        name = field.get("name")
        if not name or field.get("type") in ("submit", "button", "file", "image"):
            continue
        kind = (field.get("type") or field.tag).lower()
        if field.tag == "select":
            options = [o.get("value", o.text or "") for o in field.findall(".//option")]
            options = [o for o in options if o] or [""]
            chosen = field.value if field.value not in (None, "") else options[0]
            values.setdefault(name, chosen if not isinstance(chosen, set) else options[0])
        elif kind in ("radio", "checkbox"):
            values.setdefault(name, field.get("value", "on"))
        elif kind == "date":
            values[name] = field.value or datetime.date.today().isoformat()
        elif kind == "datetime-local":
            values[name] = field.value or datetime.datetime.now().strftime("%Y-%m-%dT%H:%M")
        elif kind == "number":
            values[name] = field.value or "1"
        elif kind == "time":
            values[name] = field.value or "09:00"
        else:
            values[name] = field.value or "Something happened online that worried me."
    return values


def _garbage_for(form, name) -> list[str]:
    import lxml.html

    field = form.inputs[name]
    if isinstance(field, (lxml.html.RadioGroup, lxml.html.CheckboxGroup)):
        field = field[0]
    kind = (field.get("type") or "").lower()
    lowered = name.lower()
    garbage = list(TEXT_GARBAGE)
    if kind == "number" or any(w in lowered for w in ("days", "hours", "minutes", "limit",
                                                       "max", "count", "number", "year",
                                                       "month", "day", "version")):
        garbage += NUMBER_GARBAGE
    if kind in ("date", "datetime-local", "time") or any(
            w in lowered for w in ("date", "_on", "_at", "start", "end", "since", "until",
                                   "when", "from", "expires")):
        garbage += DATE_GARBAGE
    return garbage


@pytest.mark.parametrize("role", ["headteacher", "dsl", "pupil", "parent"])
def test_one_bad_field_in_a_good_form_never_causes_a_server_error(role, request, world):
    import lxml.html
    from django.test import Client

    person = request.getfixturevalue(role)
    client = Client(raise_request_exception=False)
    client.force_login(person, backend="esafety.directory.backends.SchoolAccessBackend")
    failures, tried = [], 0
    for route in _routes():
        url = _url(route, world)
        page = client.get(url)
        if page.status_code != 200 or not page["Content-Type"].startswith("text/html"):
            continue
        for form in lxml.html.fromstring(page.content.decode()).forms:
            if "sign-out" in (form.action or ""):
                continue
            method = (form.method or "get").lower()
            target = form.action or url
            base = _browser_values(form)
            base.pop("csrfmiddlewaretoken", None)
            for name in base:
                for value in _garbage_for(form, name):
                    data = {**base, name: value}
                    answer = (client.post(target, data) if method == "post"
                              else client.get(target, data))
                    tried += 1
                    if answer.status_code >= 500:
                        failures.append(f"{method.upper()} {target} {name}={value[:20]!r} "
                                        f"(form on {url})")
    assert tried > 10
    assert failures == []
