"""Every change to the incident log is one of these named actions.

Each takes keyword-only arguments and an explicit `actor`, runs in one transaction, appends
to the incident's hash chain and writes the audit row inside that transaction, and sends
any email only after commit. Invalid input raises InvalidInput/NotAllowed/Conflict before
anything is saved.
"""

import datetime
import importlib
import logging
import smtplib
import string
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from esafety.audit import events as audit
from esafety.directory import roles
from esafety.directory.models import Person
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.incidents import access, rules
from esafety.incidents import evidence as files
from esafety.incidents.models import (
    GENESIS_HASH,
    STATUS_CLOSED,
    STATUS_NEW,
    STATUS_OPEN,
    AllegationViewer,
    Evidence,
    Incident,
    IncidentChainHead,
    IncidentEvent,
    IncidentSettings,
    Investigator,
    Involvement,
    Rating,
    Sanction,
    ScreenshotSignoff,
    TakedownRequest,
    as_utc,
    chained_state,
    head_problem,
    move_head,
    state_seal,
)

log = logging.getLogger(__name__)

# When records are being brought in from the past (the demo's term, or an import from a
# school's old spreadsheet), the actions take "now" from here instead of the real clock.
_clock: ContextVar[datetime.datetime | None] = ContextVar("incident_clock", default=None)


def now() -> datetime.datetime:
    return _clock.get() or timezone.now()


@contextmanager
def recorded_at(moment: datetime.datetime):
    """Run actions as if at `moment` (historic records); never later than the real clock."""
    if moment > timezone.now():
        raise InvalidInput("records cannot be dated in the future", code="future-date")
    token = _clock.set(moment)
    try:
        yield
    finally:
        _clock.reset(token)


# --- the chain --------------------------------------------------------------------------

def _append(incident: Incident, *, actor, kind: str, data: dict | None = None,
            state: bool = False) -> IncidentEvent:
    """Append one event to the incident's chain. Call inside the action's transaction."""
    last = (IncidentEvent.objects.filter(incident=incident).order_by("-seq")
            .values("seq", "hash").first())
    data = dict(data or {})
    # The head must name the last event: if events were cut off the end (or the head
    # removed or forged), say so in this event, so moving the head on does not hide it.
    head = (IncidentChainHead.objects.filter(incident_id=incident.pk)
            .values("seq", "hash", "seal").first())
    problem = head_problem(incident.pk, head, (last["seq"], last["hash"]) if last else None)
    if problem:
        data["head_problem"] = problem
    # The whole sealed state (the incident and every row of the log that hangs off it), read
    # from the database, so whatever this action changed is sealed with it.
    current = chained_state(incident)
    if state:
        data["state"] = current["incident"]
    # Every event seals the incident's current details, so a change made to them directly
    # in the database no longer matches the chain's last seal.
    data["state_sha256"] = state_seal(current)
    event = IncidentEvent(
        incident=incident, seq=(last["seq"] + 1) if last else 1, at=now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "display_name", None) or str(actor or "system"),
        kind=kind, data=data, prev_hash=last["hash"] if last else GENESIS_HASH)
    event.hash = event.compute_hash()
    event.save()
    # Where the history now ends, sealed with the key: events cut off the end are found.
    move_head(IncidentChainHead, incident.pk, event.seq, event.hash)
    return event


def _audit(incident: Incident, *, actor, event_type: str, details: dict | None = None):
    # The audit row names the incident and what happened, never its sensitive contents.
    audit.record(event_type=event_type, actor=actor, obj=incident, school=incident.school,
                 object_label=incident.reference,
                 details={"kind": incident.kind, **(details or {})})


def _lock(incident: Incident) -> Incident:
    # of=self: PostgreSQL cannot lock the nullable side of the subject_staff join.
    return (Incident.objects.select_for_update(of=("self",))
            .select_related("school", "subject_staff").get(pk=incident.pk))


def _require_team(actor, incident: Incident):
    if access.access_level(actor, incident) != access.TEAM:
        raise NotAllowed("you are not on this case")


MESSAGE_CHECK_VIA = "message check"  # Incident.reported_via of a concern a check found


def _responded(incident: Incident, actor) -> list[str]:
    """A team member acting on a new incident is its first response."""
    changed = []
    # A concern found by a message check is recorded in the designated person's name when
    # nobody else reported it; their own first step on it is still its first response.
    by_someone_else = (actor.pk != incident.reported_by_id
                       or incident.reported_via == MESSAGE_CHECK_VIA)
    if by_someone_else and incident.first_response_at is None:
        incident.first_response_at = now()
        changed.append("first_response_at")
    if incident.status == STATUS_NEW and by_someone_else:
        incident.status = STATUS_OPEN
        changed.append("status")
    return changed


def _save(incident: Incident, fields: list[str]):
    fields = sorted(set(fields))
    if fields:
        incident.version += 1
        incident.save(update_fields=[*fields, "version"])


def _require_open(incident: Incident):
    if incident.status == STATUS_CLOSED:
        raise Conflict(f"{incident.reference} is closed; reopen it first", code="incident-closed")


def _require_in_school(school, person, what="that person"):
    if person is not None and person.school_id != school.id:
        raise InvalidInput(f"{what} is not in your school: a report can only be about people "
                           "in your own school", code="other-school")


# --- reporting --------------------------------------------------------------------------

def _next_reference(school, when) -> str:
    prefix = f"INC-{when.year}-"
    count = Incident.objects.filter(school=school, reference__startswith=prefix).count()
    return f"{prefix}{count + 1:04d}"


def _check_when(occurred_at):
    if occurred_at is not None and occurred_at > timezone.now() + datetime.timedelta(minutes=5):
        raise InvalidInput("the date of the incident is in the future", code="future-date")


def incident_report(*, actor, kind: str, description: str, summary: str = "",
                    occurred_at: datetime.datetime | None = None, location: str = "",
                    people=(), subject_staff: Person | None = None, urls=(),
                    image_location: str = "", upload: tuple[str, bytes] | None = None,
                    via: str = "staff", parts: dict | None = None) -> Incident:
    """Anyone signed in reports an incident; the designated person is told at once.

    A pupil reports through the short form; a parent only about their own child. For
    nude or sexual images of a child, no file is accepted: only a description and where
    the image is; the incident is marked for police referral and the DSL alerted.

    Each person listed gets a part in the case: `parts` maps a person's pk to it; without
    one, the reporter is "reporter" (a pupil reporting about themselves is never the alleged
    perpetrator), the member of staff an allegation is about "alleged", anyone else "other".
    Investigators change parts later.
    """
    school = actor.school
    if school is None:
        raise NotAllowed("you are not a member of a school")
    if kind not in rules.TYPE_LABELS:
        raise InvalidInput(f"unknown kind of incident {kind!r}", code="unknown-kind")
    description = (description or "").strip()
    if not description:
        raise InvalidInput("please say what happened", code="missing-description")
    _check_when(occurred_at)
    people = list(dict.fromkeys(people))
    for person in people:
        _require_in_school(school, person, person.display_name)
    parts = dict(parts or {})
    if set(parts.values()) - set(rules.PART_LABELS):
        raise InvalidInput("unknown part in the case", code="unknown-part")
    _require_in_school(school, subject_staff, "the member of staff")
    if subject_staff is not None and not subject_staff.is_staff_member:
        raise InvalidInput("an allegation against staff must name a member of staff",
                           code="not-staff")
    if actor.is_parent:
        children = set(actor.children.values_list("pk", flat=True))
        if not people or any(p.pk not in children for p in people if p.role == roles.PUPIL):
            raise NotAllowed("parents can report about their own child", code="not-your-child")
    if kind in rules.NO_IMAGE_TYPES and upload is not None:
        raise InvalidInput("never upload a nude or sexual image of a child, even to report it: "
                           "describe it and say where it is instead", code="images-not-accepted")
    if upload is not None:
        name, data = upload
        upload_kind = _kind_for_upload(name)
        content_type = files.check_upload(kind=upload_kind, name=name, data=data)
    clean_urls = [_clean_url(u) for u in urls if u and u.strip()]
    reported_at = now()
    stored = None
    try:
        with transaction.atomic():
            # Lock the school's settings row so two reports at once never share a reference.
            IncidentSettings.objects.select_for_update().get_or_create(school=school)
            incident = Incident.objects.create(
                school=school, reference=_next_reference(school, reported_at), kind=kind,
                summary=(summary or description.splitlines()[0])[:200], description=description,
                occurred_at=occurred_at, location=location[:200], reported_by=actor,
                reported_at=reported_at, reported_via=via, subject_staff=subject_staff,
                police_referral=kind in rules.NO_IMAGE_TYPES,
                police_matters=list(rules.POLICE_MATTERS_BY_TYPE.get(kind, [])))
            involved = {}
            for person in people:
                involved[person.pk] = (person, parts.get(person.pk) or (
                    rules.PART_REPORTER if person.pk == actor.pk else rules.PART_OTHER))
            if subject_staff is not None:
                involved[subject_staff.pk] = (subject_staff, rules.PART_ALLEGED)
            for person, part in involved.values():
                Involvement.objects.create(incident=incident, person=person, part=part,
                                           added_by=actor, added_at=reported_at)
            _append(incident, actor=actor, kind="reported", state=True,
                    data={"via": via, "people": sorted(p.pk for p in people),
                          "parts": {str(pk): part for pk, (_, part) in sorted(involved.items())}})
            for url in clean_urls:
                _add_evidence_row(incident, actor=actor, kind=rules.EVIDENCE_URL, url=url,
                                  text="Given with the report")
            if image_location.strip():
                _add_evidence_row(incident, actor=actor, kind=rules.EVIDENCE_IMAGE_LOCATION,
                                  text=image_location.strip())
            if upload is not None:
                stored = files.store(incident=incident, name=name, data=data)
                _add_evidence_row(incident, actor=actor, kind=upload_kind, name=name,
                                  data=data, stored=stored, content_type=content_type)
            _audit(incident, actor=actor, event_type="incident_reported",
                   details={"via": via, "allegation": incident.is_allegation})
            transaction.on_commit(lambda: notify_report(incident.pk))
    except BaseException:
        if stored:
            files.remove_unsaved(stored)
        raise
    return incident


def _clean_url(text: str) -> str:
    """A web address as given, with https:// assumed; anything else is refused by name."""
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    url = text.strip()
    if "://" not in url:
        url = f"https://{url}"
    try:
        URLValidator()(url)
    except ValidationError:
        raise InvalidInput(f"{text.strip()!r} is not a web address", code="bad-url") from None
    return url[:2000]


def _kind_for_upload(name: str) -> str:
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    for kind in (rules.EVIDENCE_SCREENSHOT, rules.EVIDENCE_EMAIL, rules.EVIDENCE_DOCUMENT):
        if ext in rules.ALLOWED_FILES[kind]:
            return kind
    return rules.EVIDENCE_SCREENSHOT  # check_upload then refuses it with a clear message


def recipients_for(incident: Incident) -> list[Person]:
    """Who is told of a new report: the designated person, or the allegation's owner."""
    conf = access.settings_for(incident.school)
    school_people = Person.objects.filter(school=incident.school, is_active=True)
    if incident.is_allegation:
        if incident.subject_staff.role == roles.HEADTEACHER:
            found = [conf.chair_of_governors] if conf.chair_of_governors else []
        else:
            found = list(school_people.filter(role=roles.HEADTEACHER)
                         .exclude(pk=incident.subject_staff_id))
    elif conf.designated_person is not None:
        found = [conf.designated_person]
    else:
        found = (list(school_people.filter(role=roles.DSL))
                 or list(school_people.filter(role=roles.ONLINE_SAFETY_LEAD))
                 or list(school_people.filter(role=roles.HEADTEACHER)))
    return [p for p in found if p is not None and p.email]


# Mail settings that accept a message without sending it anywhere: with these, nobody
# has been told, and the history must say so.
NOT_SENDING_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend":
        "this install only prints emails on its console (EMAIL_BACKEND is not set up to send)",
    "django.core.mail.backends.dummy.EmailBackend": "this install throws emails away "
                                                     "(EMAIL_BACKEND is the dummy backend)",
    "django.core.mail.backends.filebased.EmailBackend":
        "this install writes emails to files instead of sending them",
}
NOTIFICATION_SENT = "notification_sent"
# Errors about one message (the next one may still go); any other error stops the round.
REFUSED_ONE_MESSAGE = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                       smtplib.SMTPDataError)
NOTIFICATION_FAILED = "notification_failed"


def notify_report(incident_pk: int) -> int:
    """Email the people who must know (after commit). The email says where, not what.

    The outcome is recorded in the incident's history: "notification_sent" naming who was
    emailed, or "notification_failed" with the reason (nobody to tell, no email address,
    mail not set up, or the mail server's error). Never raises: the report is already saved.
    """
    try:
        return _notify_report(incident_pk)
    except Exception:  # noqa: BLE001 - after commit: the report stands, the failure is logged
        log.exception("incident %s: the alert could not be sent or recorded", incident_pk)
        return 0


def _notify_report(incident_pk: int) -> int:
    from django.core.mail import get_connection

    incident = Incident.objects.select_related("school", "subject_staff").get(pk=incident_pk)
    people = recipients_for(incident)
    failures = []
    if not people:
        failures.append("nobody to tell: name a designated person in incident settings, and "
                        "check the safeguarding lead has an email address")
    backend = getattr(settings, "EMAIL_BACKEND", "")
    if people and backend in NOT_SENDING_BACKENDS:
        failures.append(NOT_SENDING_BACKENDS[backend])
    urgent = incident.kind in rules.URGENT_TYPES
    subject = (f"{'URGENT: ' if urgent else ''}New online safety report {incident.reference}: "
               f"{'allegation about a member of staff' if incident.is_allegation else incident.kind_label}")
    lines = [f"A new report has been made in the online safety incident log at {incident.school}.",
             "", f"Reference: {incident.reference}",
             f"Reported: {timezone.localtime(incident.reported_at):%d %B %Y %H:%M}",
             f"Kind: {'Allegation about a member of staff' if incident.is_allegation else incident.kind_label}"]
    if incident.kind in rules.NO_IMAGE_TYPES:
        lines += ["", "This report concerns nude or sexual images of a child. It is marked for "
                  "police referral. The seeds' steps:"] + [f"- {s}" for s in rules.IMAGE_STEPS]
    lines += ["", f"Sign in to esafety and open Incidents, reference {incident.reference}.",
              "Details are not included in this email to keep them safe."]
    sent = []
    if people and not failures:
        # A mail server that never answers must not hold the reporter's page for ever.
        connection = get_connection(fail_silently=False,
                                    timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 15)
        for index, person in enumerate(people):
            try:
                if send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL,
                             [person.email], connection=connection):
                    sent.append(person)
                else:
                    failures.append(f"the mail server did not accept the email to "
                                    f"{person.display_name}")
            except Exception as exc:  # noqa: BLE001 - any mail failure is recorded, not raised
                log.warning("incident %s: email to %s failed: %s", incident.reference,
                            person.pk, exc)
                failures.append(f"the email to {person.display_name} failed "
                                f"({type(exc).__name__}: {str(exc)[:200]})")
                if not isinstance(exc, REFUSED_ONE_MESSAGE):
                    # The server is down or silent: the others would wait as long again.
                    failures += [f"the email to {p.display_name} was not tried (same problem)"
                                 for p in people[index + 1:]]
                    break
    with transaction.atomic():
        incident = _lock(incident)
        # Failures first: when some were told, the latest entry says someone was.
        if failures:
            _append(incident, actor=None, kind=NOTIFICATION_FAILED,
                    data={"to": [p.pk for p in people if p not in sent],
                          "reason": "; ".join(failures)})
            log.warning("incident %s: alert not sent: %s", incident.reference, failures)
        if sent:
            _append(incident, actor=None, kind=NOTIFICATION_SENT,
                    data={"to": [p.pk for p in sent],
                          "name": ", ".join(p.display_name for p in sent)})
    return len(sent)


def failed_alert(incident: Incident) -> IncidentEvent | None:
    """The failure, when the latest alert about this incident reached nobody who must know."""
    last = (IncidentEvent.objects.filter(incident=incident,
                                         kind__in=[NOTIFICATION_SENT, NOTIFICATION_FAILED])
            .order_by("-seq").first())
    return last if last is not None and last.kind == NOTIFICATION_FAILED else None


def notification_failed(incident: Incident) -> bool:
    return failed_alert(incident) is not None


def unalerted(incidents):
    """Of these incidents, the new ones whose latest alert email reached nobody."""
    from django.db.models import OuterRef, Subquery

    latest = (IncidentEvent.objects.filter(incident=OuterRef("pk"),
                                           kind__in=[NOTIFICATION_SENT, NOTIFICATION_FAILED])
              .order_by("-seq").values("kind")[:1])
    return (incidents.filter(status=STATUS_NEW).annotate(alert=Subquery(latest))
            .filter(alert=NOTIFICATION_FAILED))


# --- editing (optimistic locking) -------------------------------------------------------

EDITABLE = ["kind", "summary", "description", "occurred_at", "location", "designated_computer"]


def incident_edit(*, actor, incident: Incident, expected_version: int, **changes) -> Incident:
    """Change the incident's details, only if nobody else changed them since `expected_version`."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"cannot edit {', '.join(sorted(unknown))}", code="not-editable")
    if "kind" in changes and changes["kind"] not in rules.TYPE_LABELS:
        raise InvalidInput("unknown kind of incident", code="unknown-kind")
    if "description" in changes and not (changes["description"] or "").strip():
        raise InvalidInput("the description cannot be empty", code="missing-description")
    _check_when(changes.get("occurred_at"))
    with transaction.atomic():
        incident = _lock(incident)
        _require_team(actor, incident)
        _require_open(incident)
        if incident.version != expected_version:
            raise Conflict(
                f"Someone else changed {incident.reference} while you were editing it. Your "
                "changes were not saved: check the current details below, then make your "
                "changes again.", code="edit-conflict")
        changed = [k for k, v in changes.items() if getattr(incident, k) != v]
        if not changed:
            return incident
        for key in changed:
            setattr(incident, key, changes[key])
        if incident.kind in rules.NO_IMAGE_TYPES:
            incident.police_referral = True
            incident.police_matters = sorted(set(incident.police_matters)
                                             | set(rules.POLICE_MATTERS_BY_TYPE[incident.kind]))
            changed += ["police_referral", "police_matters"]
        changed += _responded(incident, actor)
        _save(incident, changed)
        _append(incident, actor=actor, kind="edited", state=True,
                data={"fields": sorted(k for k in changes if k in changed)})
        _audit(incident, actor=actor, event_type="incident_edited",
               details={"fields": sorted(set(changed) & set(EDITABLE)),
                        "before_version": expected_version})
        if "kind" in changed and incident.kind in rules.NO_IMAGE_TYPES:
            _remove_images(incident, actor=actor)
    return incident


def _remove_images(incident: Incident, *, actor) -> list[int]:
    """000 §2: a case about nude or sexual images of a child keeps no image, not even one
    uploaded before the case was reclassified.

    Each stored file that could hold a picture is marked withdrawn (its details and SHA-256
    stay), its removal is an "image_removed" event in the chain, it is never served again,
    and the file is deleted from disk once the transaction commits.
    """
    already = files.removed_image_ids(incident)
    removed = []
    for item in (Evidence.objects.select_for_update().filter(incident=incident)
                 .exclude(file_path="").order_by("pk")):
        if item.pk in already or not files.may_hold_an_image(item):
            continue
        if not item.is_withdrawn:
            item.withdrawn_at = now()
            item.withdrawn_by = actor
            item.withdrawn_reason = files.IMAGE_REMOVED_REASON
            item.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
        _append(incident, actor=actor, kind="image_removed",
                data={"evidence": item.pk, "sha256": item.sha256, "file": item.file_path,
                      "name": item.original_name, "reason": files.IMAGE_REMOVED_REASON})
        removed.append(item)
    if removed:
        _audit(incident, actor=actor, event_type="incident_images_removed",
               details={"evidence": [item.pk for item in removed]})
        paths = [item.file_path for item in removed]
        transaction.on_commit(lambda: [files.delete_stored(path) for path in paths])
    return [item.pk for item in removed]


def incident_note(*, actor, incident: Incident, text: str) -> IncidentEvent:
    """Notes are appended, never edited, so two investigators writing at once both keep theirs."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("the note is empty", code="empty-note")
    with transaction.atomic():
        incident = _lock(incident)
        _require_team(actor, incident)
        _save(incident, _responded(incident, actor))
        event = _append(incident, actor=actor, kind="note", data={"text": text})
        _audit(incident, actor=actor, event_type="incident_note_added")
    return event


def incident_acknowledge(*, actor, incident: Incident) -> Incident:
    with transaction.atomic():
        incident = _lock(incident)
        _require_team(actor, incident)
        changed = _responded(incident, actor)
        if not changed:
            raise Conflict("this incident has already been acknowledged", code="already-open")
        _save(incident, changed)
        _append(incident, actor=actor, kind="acknowledged", state=True)
        _audit(incident, actor=actor, event_type="incident_acknowledged")
    return incident


# --- evidence ---------------------------------------------------------------------------

def _add_evidence_row(incident, *, actor, kind, url="", phone="", text="", name="", data=None,
                      stored=None, content_type="") -> Evidence:
    if data is not None:
        digest = files.sha256_bytes(data)
    else:
        digest = files.sha256_text_item(kind=kind, url=url, phone=phone, text=text)
    item = Evidence.objects.create(
        incident=incident, kind=kind, url=url, phone=phone, text=text, file_path=stored or "",
        original_name=name[:255], content_type=content_type, size=len(data) if data else 0,
        sha256=digest, added_by=actor, added_at=now())
    _append(incident, actor=actor, kind="evidence_added",
            data={"evidence": item.pk, "kind": kind, "sha256": digest, "size": item.size,
                  "file": item.file_path, "name": item.original_name})
    return item


def _normalise_phone(raw: str) -> str:
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException:
        raise InvalidInput(f"{raw!r} is not a phone number", code="bad-phone") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput(f"{raw!r} is not a possible phone number", code="bad-phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def evidence_add(*, actor, incident: Incident, kind: str, url: str = "", phone: str = "",
                 text: str = "", upload: tuple[str, bytes] | None = None) -> Evidence:
    """Add one item of evidence: stored with its SHA-256, who added it and when.

    The reporter may add to their own report; the case team to their cases. On an incident
    about images of children, only words are accepted (no upload of any kind).
    """
    if kind not in rules.EVIDENCE_LABELS:
        raise InvalidInput("unknown kind of evidence", code="unknown-evidence")
    url, phone, text = (url or "").strip(), (phone or "").strip(), (text or "").strip()
    if incident.kind in rules.NO_IMAGE_TYPES and (upload is not None
                                                  or kind not in rules.DESCRIPTION_ONLY_EVIDENCE):
        raise InvalidInput("esafety never accepts images for a report about nude or sexual images "
                           "of a child: describe the image and where it is instead",
                           code="images-not-accepted")
    if kind in rules.FILE_EVIDENCE:
        if upload is None:
            raise InvalidInput("choose a file to upload", code="missing-file")
        name, data = upload
        content_type = files.check_upload(kind=kind, name=name, data=data)
    elif upload is not None:
        raise InvalidInput("this kind of evidence is written, not uploaded", code="no-file-here")
    if kind in (rules.EVIDENCE_URL, rules.EVIDENCE_VISIT) and not url:
        raise InvalidInput("give the web address (URL)", code="missing-url")
    if kind == rules.EVIDENCE_URL and not text:
        raise InvalidInput("describe the nature of the content at that address",
                           code="missing-description")
    if kind == rules.EVIDENCE_PHONE:
        if not phone:
            raise InvalidInput("give the phone number", code="missing-phone")
        phone = _normalise_phone(phone)
    if kind in (rules.EVIDENCE_NOTE, rules.EVIDENCE_IMAGE_LOCATION) and not text:
        raise InvalidInput("write the description", code="missing-description")
    level = access.access_level(actor, incident)
    if level not in (access.TEAM, access.REPORTER):
        # Read-only access to an allegation adds nothing to it.
        raise NotAllowed("you cannot add evidence to this incident")
    if kind == rules.EVIDENCE_VISIT and level != access.TEAM:
        raise NotAllowed("only investigators record sites visited", code="not-investigator")
    stored = None
    try:
        with transaction.atomic():
            incident = _lock(incident)
            _require_open(incident)
            if kind == rules.EVIDENCE_VISIT and not incident.designated_computer:
                raise InvalidInput("record the designated computer before visiting sites (002)",
                                   code="no-designated-computer")
            if level == access.TEAM:
                _save(incident, _responded(incident, actor))
            if upload is not None:
                stored = files.store(incident=incident, name=upload[0], data=upload[1])
            item = _add_evidence_row(
                incident, actor=actor, kind=kind, url=url, phone=phone, text=text,
                name=upload[0] if upload else "", data=upload[1] if upload else None,
                stored=stored, content_type=content_type if upload else "")
            _audit(incident, actor=actor, event_type="incident_evidence_added",
                   details={"evidence": item.pk, "evidence_kind": kind, "sha256": item.sha256})
    except BaseException:
        if stored:
            files.remove_unsaved(stored)
        raise
    return item


def evidence_withdraw(*, actor, evidence: Evidence, reason: str) -> Evidence:
    """Nothing is deleted: a mistaken item is marked withdrawn, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why this item is withdrawn", code="missing-reason")
    with transaction.atomic():
        incident = _lock(evidence.incident)
        _require_team(actor, incident)
        item = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if item.is_withdrawn:
            raise Conflict("this item was already withdrawn", code="already-withdrawn")
        item.withdrawn_at = now()
        item.withdrawn_by = actor
        item.withdrawn_reason = reason
        item.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
        _append(incident, actor=actor, kind="evidence_withdrawn",
                data={"evidence": item.pk, "reason": reason})
        _audit(incident, actor=actor, event_type="incident_evidence_withdrawn",
               details={"evidence": item.pk})
    return item


def screenshot_sign(*, actor, evidence: Evidence) -> ScreenshotSignoff:
    """An investigator signs a screenshot off (002: 'printed, signed and attached')."""
    with transaction.atomic():
        incident = _lock(evidence.incident)
        _require_team(actor, incident)
        if evidence.kind != rules.EVIDENCE_SCREENSHOT or evidence.is_withdrawn:
            raise InvalidInput("only a current screenshot can be signed off", code="not-screenshot")
        if not incident.investigators.filter(person=actor).exists():
            raise NotAllowed("only the named investigators sign screenshots off",
                             code="not-investigator")
        if evidence.signoffs.filter(person=actor).exists():
            raise Conflict("you have already signed this screenshot off", code="already-signed")
        signoff = ScreenshotSignoff.objects.create(evidence=evidence, person=actor,
                                                   signed_at=now())
        _append(incident, actor=actor, kind="screenshot_signed",
                data={"evidence": evidence.pk, "sha256": evidence.sha256})
        _audit(incident, actor=actor, event_type="incident_screenshot_signed",
               details={"evidence": evidence.pk})
    return signoff


# --- the investigation (002 "Other Incidents") ------------------------------------------

def investigator_add(*, actor, incident: Incident, person: Person) -> Investigator:
    """002: 'Have more than one senior member of staff involved in this process.'"""
    with transaction.atomic():
        incident = _lock(incident)
        if not access.can_name_investigators(actor, incident):
            raise NotAllowed("you cannot name investigators for this incident")
        _require_open(incident)
        _require_in_school(incident.school, person)
        if person.role not in roles.SENIOR_ROLES or not person.can_use_systems():
            raise InvalidInput(f"{person.display_name} is not a senior member of staff who can "
                               "sign in: investigators must be senior staff", code="not-senior")
        if person.pk == incident.subject_staff_id:
            raise InvalidInput("the person an allegation is about cannot investigate it",
                               code="subject-cannot-investigate")
        if incident.part_of(person) == rules.PART_ALLEGED:
            raise InvalidInput(f"{person.display_name} is an alleged perpetrator in this case "
                               "and cannot investigate it", code="alleged-cannot-investigate")
        if incident.investigators.filter(person=person).exists():
            raise Conflict(f"{person.display_name} is already an investigator",
                           code="already-investigator")
        added = Investigator.objects.create(incident=incident, person=person, added_by=actor,
                                            added_at=now())
        _save(incident, _responded(incident, actor))
        _append(incident, actor=actor, kind="investigator_added",
                data={"person": person.pk, "name": person.display_name}, state=True)
        _audit(incident, actor=actor, event_type="incident_investigator_added",
               details={"person": person.pk})
    return added


def allegation_viewer_add(*, actor, incident: Incident, person: Person) -> AllegationViewer:
    """The headteacher (or chair of governors) lets a senior colleague read an allegation.

    Access is read only: to let them act on the case, the owner names them an investigator.
    """
    with transaction.atomic():
        incident = _lock(incident)
        if not access.is_allegation_owner(actor, incident):
            raise NotAllowed("only the headteacher (or the chair of governors) adds people here")
        _require_in_school(incident.school, person)
        if person.pk == incident.subject_staff_id:
            raise InvalidInput("the person the allegation is about cannot be added",
                               code="subject-cannot-view")
        if person.role not in roles.SENIOR_ROLES or not person.can_use_systems():
            raise InvalidInput(f"{person.display_name} is not a senior member of staff who can "
                               "sign in: access to an allegation is for senior staff only "
                               "(headteacher, assistant headteacher, DSL, online safety lead)",
                               code="not-senior")
        viewer, created = AllegationViewer.objects.get_or_create(
            incident=incident, person=person,
            defaults={"added_by": actor, "added_at": now()})
        if not created:
            raise Conflict(f"{person.display_name} already has access", code="already-viewer")
        _append(incident, actor=actor, kind="viewer_added",
                data={"person": person.pk, "name": person.display_name})
        _audit(incident, actor=actor, event_type="incident_viewer_added",
               details={"person": person.pk})
    return viewer


def allegation_subject_set(*, actor, incident: Incident, person: Person) -> Incident:
    """A leader recognises a report as an allegation about a member of staff and passes it on.

    From then on only the headteacher (or, about the headteacher, the chair of governors)
    and the people they add can see it; the owner is told after commit.
    """
    with transaction.atomic():
        incident = _lock(incident)
        _require_team(actor, incident)
        _require_open(incident)
        if incident.is_allegation:
            raise Conflict("this is already an allegation", code="already-allegation")
        if not access.is_leader(actor):
            raise NotAllowed("only the DSL, online safety lead or headteacher can do this")
        _require_in_school(incident.school, person, "the member of staff")
        if not person.is_staff_member:
            raise InvalidInput("an allegation against staff must name a member of staff",
                               code="not-staff")
        incident.subject_staff = person
        _save(incident, ["subject_staff", *_responded(incident, actor)])
        # The member of staff the allegation is about is its alleged perpetrator.
        _set_part(incident, actor=actor, person=person, part=rules.PART_ALLEGED,
                  reason="The allegation is about them")
        # The allegation's owner chooses who investigates: those named so far stand down
        # (kept on record) unless they are the owner.
        stood_down = []
        for row in incident.investigators.select_related("person"):
            if not access.is_allegation_owner(row.person, incident):
                row.stood_down_at = now()
                row.save(update_fields=["stood_down_at"])
                stood_down.append(row.person.display_name)
        _append(incident, actor=actor, kind="allegation", state=True,
                data={"person": person.pk, "name": person.display_name,
                      "investigators_stood_down": stood_down})
        _audit(incident, actor=actor, event_type="incident_became_allegation")
        transaction.on_commit(lambda: notify_report(incident.pk))
    return incident


def police_matters_set(*, actor, incident: Incident, matters: list[str]) -> Incident:
    unknown = set(matters) - set(rules.POLICE_MATTER_LABELS)
    if unknown:
        raise InvalidInput("unknown police-reportable matter", code="unknown-matter")
    with transaction.atomic():
        incident = _lock(incident)
        _require_team(actor, incident)
        _require_open(incident)
        # What the kind itself implies cannot be unticked (e.g. images of children).
        incident.police_matters = sorted(set(matters)
                                         | set(rules.POLICE_MATTERS_BY_TYPE.get(incident.kind, [])))
        _save(incident, ["police_matters", *_responded(incident, actor)])
        _append(incident, actor=actor, kind="police_matters", state=True,
                data={"matters": incident.police_matters})
        _audit(incident, actor=actor, event_type="incident_police_matters",
               details={"matters": incident.police_matters})
    return incident


def _require_investigators(incident: Incident):
    count = incident.investigators.count()
    if count < rules.REQUIRED_INVESTIGATORS:
        raise Conflict(f"name {rules.REQUIRED_INVESTIGATORS} senior members of staff as "
                       f"investigators before concluding (002); {count} named so far",
                       code="needs-two-investigators")


def _require_police_considered(incident: Incident, outcome: str, override: str):
    if incident.police_matters and outcome != rules.POLICE and not override.strip():
        listed = "; ".join(incident.police_matter_labels())
        raise Conflict("This content matches the list the policy says to report to the police "
                       f"(002 'Other Incidents'): {listed}. Choose police involvement, or record "
                       "why the police are not being involved.", code="police-reportable")


def judgement_seal(incident: Incident) -> str:
    """What a person saw of the judgement when they started writing theirs."""
    return as_utc(incident.judged_at) if incident.judged_at else "none"


def incident_judge(*, actor, incident: Incident, outcome: str, reasons: str,
                   police_override_reason: str = "", seen: str | None = None) -> Incident:
    """002: 'judge whether this concern has substance or not', and what action follows.

    `seen` is judgement_seal() as the actor's page showed it: if another investigator has
    recorded a judgement since, nothing is overwritten and Conflict says so.
    """
    if outcome not in rules.OUTCOME_LABELS:
        raise InvalidInput("choose one of the judgements", code="unknown-outcome")
    reasons = (reasons or "").strip()
    if not reasons:
        raise InvalidInput("give the reasons for the judgement", code="missing-reasons")
    with transaction.atomic():
        incident = _lock(incident)
        _require_team(actor, incident)
        _require_open(incident)
        _require_investigators(incident)
        if seen is not None and seen != judgement_seal(incident):
            raise Conflict(f"{incident.judged_by.display_name} recorded a judgement while you "
                           "were writing yours. Yours was not saved: read theirs, then record "
                           "yours again if it should replace it.", code="judgement-conflict")
        _require_police_considered(incident, outcome, police_override_reason)
        incident.outcome = outcome
        incident.outcome_reasons = reasons
        incident.police_override_reason = (police_override_reason.strip()
                                           if outcome != rules.POLICE else "")
        if outcome == rules.POLICE:
            incident.police_referral = True
        incident.judged_by = actor
        incident.judged_at = now()
        _save(incident, ["outcome", "outcome_reasons", "police_override_reason", "police_referral",
                         "judged_by", "judged_at", *_responded(incident, actor)])
        _append(incident, actor=actor, kind="judged", state=True, data={"outcome": outcome})
        _audit(incident, actor=actor, event_type="incident_judged", details={"outcome": outcome})
    return incident


def closing_problems(incident: Incident) -> list[str]:
    """Everything still standing between this incident and closing it, in plain words."""
    problems = []
    count = incident.investigators.count()
    if count < rules.REQUIRED_INVESTIGATORS:
        problems.append(f"Name {rules.REQUIRED_INVESTIGATORS} senior investigators "
                        f"({count} named so far).")
    if not incident.outcome:
        problems.append("Record the judgement.")
    investigator_ids = set(incident.investigators.values_list("person_id", flat=True))
    for shot in incident.evidence.filter(kind=rules.EVIDENCE_SCREENSHOT, withdrawn_at__isnull=True):
        signed = set(shot.signoffs.values_list("person_id", flat=True)) & investigator_ids
        if len(signed) < rules.REQUIRED_INVESTIGATORS:
            problems.append(f"Screenshot {shot.original_name} needs both investigators' sign-off.")
    if (incident.police_matters and incident.outcome and incident.outcome != rules.POLICE
            and not incident.police_override_reason):
        problems.append("This content matches the police-reportable list: refer it to the "
                        "police or record why not.")
    return problems


def incident_close(*, actor, incident: Incident) -> Incident:
    with transaction.atomic():
        incident = _lock(incident)
        _require_team(actor, incident)
        _require_open(incident)
        _require_investigators(incident)
        if incident.outcome:
            _require_police_considered(incident, incident.outcome, incident.police_override_reason)
        problems = closing_problems(incident)
        if problems:
            raise Conflict("Not ready to close: " + " ".join(problems), code="not-ready-to-close")
        incident.status = STATUS_CLOSED
        incident.closed_at = now()
        incident.closed_by = actor
        _save(incident, ["status", "closed_at", "closed_by"])
        _append(incident, actor=actor, kind="closed", state=True)
        _audit(incident, actor=actor, event_type="incident_closed",
               details={"outcome": incident.outcome})
    return incident


def incident_reopen(*, actor, incident: Incident, reason: str) -> Incident:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why the incident is reopened", code="missing-reason")
    with transaction.atomic():
        incident = _lock(incident)
        _require_team(actor, incident)
        if incident.status != STATUS_CLOSED:
            raise Conflict("this incident is not closed", code="not-closed")
        incident.status = STATUS_OPEN
        incident.closed_at = None
        incident.closed_by = None
        _save(incident, ["status", "closed_at", "closed_by"])
        _append(incident, actor=actor, kind="reopened", state=True, data={"reason": reason})
        _audit(incident, actor=actor, event_type="incident_reopened")
    return incident


# --- people in a case and their parts -----------------------------------------------------

def _set_part(incident: Incident, *, actor, person: Person, part: str,
              reason: str = "") -> Involvement | None:
    """Give `person` `part` (adding them, or closing their old row and opening a new one).

    Call inside the action's transaction; appends the chain event. Returns None when the
    person already has that part.
    """
    current = (Involvement.objects.select_for_update()
               .filter(incident=incident, person=person, removed_at__isnull=True).first())
    if current is not None and current.part == part:
        return None
    moment = now()
    before = current.part if current is not None else None
    if current is not None:
        current.removed_at = moment
        current.removed_by = actor
        current.removed_reason = reason or f"Part changed to {rules.PART_LABELS[part]}"
        current.save(update_fields=["removed_at", "removed_by", "removed_reason"])
    row = Involvement.objects.create(incident=incident, person=person, part=part,
                                     added_by=actor, added_at=moment)
    _append(incident, actor=actor,
            kind="involvement_changed" if current is not None else "involvement_added",
            data={"involvement": row.pk, "person": person.pk, "name": person.display_name,
                  "part": part, "before": before, "reason": reason})
    return row


def _require_no_current_rating(incident: Incident, person: Person, doing: str):
    if incident.ratings.filter(person=person, withdrawn_at__isnull=True).exists():
        raise Conflict(f"{person.display_name} has a rating in this case: withdraw it first, "
                       f"with a reason, before {doing}", code="rated")


def involvement_set(*, actor, incident: Incident, person: Person, part: str,
                    reason: str = "") -> Involvement | None:
    """The case team adds someone to the case with a part, or changes their part.

    Every change is kept (the old row is closed, not deleted) and is an event in the
    incident's history with who made it. The member of staff an allegation is about stays
    its alleged perpetrator; someone whose misuse is rated keeps that part until the rating
    is withdrawn; an investigator cannot be an alleged perpetrator of their own case.
    """
    if part not in rules.PART_LABELS:
        raise InvalidInput("choose the person's part in the case", code="unknown-part")
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = _lock(incident)
        _require_team(actor, incident)
        _require_in_school(incident.school, person)
        current = incident.part_of(person)
        if current == part:
            raise Conflict(f"{person.display_name} is already recorded as "
                           f"{rules.PART_LABELS[part].lower()}", code="same-part")
        if person.pk == incident.subject_staff_id:
            raise InvalidInput("the allegation is about this member of staff: they stay its "
                               "alleged perpetrator", code="subject-is-alleged")
        if current == rules.PART_ALLEGED:
            _require_no_current_rating(incident, person, "changing their part")
        if part == rules.PART_ALLEGED and incident.investigators.filter(person=person).exists():
            raise InvalidInput(f"{person.display_name} investigates this case: an alleged "
                               "perpetrator cannot investigate it", code="investigator-alleged")
        row = _set_part(incident, actor=actor, person=person, part=part, reason=reason)
        _save(incident, _responded(incident, actor))
        _audit(incident, actor=actor, event_type="incident_part_set",
               details={"person": person.pk, "part": part, "before": current})
    return row


def involvement_remove(*, actor, incident: Incident, person: Person, reason: str) -> Involvement:
    """Take someone off the case (listed by mistake): kept on record with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why this person is taken off the case", code="missing-reason")
    with transaction.atomic():
        incident = _lock(incident)
        _require_team(actor, incident)
        row = (Involvement.objects.select_for_update()
               .filter(incident=incident, person=person, removed_at__isnull=True).first())
        if row is None:
            raise InvalidInput(f"{person.display_name} is not one of the people in this case",
                               code="not-involved")
        if person.pk == incident.subject_staff_id:
            raise InvalidInput("the allegation is about this member of staff: they stay on it",
                               code="subject-is-alleged")
        _require_no_current_rating(incident, person, "taking them off the case")
        row.removed_at = now()
        row.removed_by = actor
        row.removed_reason = reason
        row.save(update_fields=["removed_at", "removed_by", "removed_reason"])
        _append(incident, actor=actor, kind="involvement_removed",
                data={"involvement": row.pk, "person": person.pk, "name": person.display_name,
                      "part": row.part, "reason": reason})
        _audit(incident, actor=actor, event_type="incident_part_removed",
               details={"person": person.pk, "part": row.part})
    return row


# --- rating and sanctions (004 Appendix I and II) ----------------------------------------

def _require_alleged(incident: Incident, person: Person, doing: str):
    if person.school_id != incident.school_id:
        raise InvalidInput(f"{person.display_name} is not one of the people in this incident",
                           code="not-involved")
    part = incident.part_of(person)
    if part is None:
        raise InvalidInput(f"{person.display_name} is not one of the people in this incident",
                           code="not-involved")
    if part not in rules.RATED_PARTS:
        raise InvalidInput(f"{person.display_name} is recorded as "
                           f"{rules.PART_LABELS[part].lower()} in this case: only an alleged "
                           f"perpetrator's misuse is {doing}", code="not-alleged")


def current_rating(incident: Incident, person: Person) -> Rating | None:
    """The person's latest rating in the case that has not been withdrawn."""
    return (incident.ratings.filter(person=person, withdrawn_at__isnull=True)
            .order_by("-rated_at", "-id").first())


def misuse_rate(*, actor, incident: Incident, person: Person, rating: str,
                dimensions: dict | None = None, factors: dict | None = None) -> Rating:
    """Rate an alleged perpetrator's misuse (004 App. I), with the App. II factors."""
    if rating not in rules.RATING_BY_CODE:
        raise InvalidInput("choose gross, serious or mild", code="unknown-rating")
    dims = {k: (dimensions or {}).get(k, "").strip() for k, _, _ in rules.DIMENSIONS}
    facts = {k: (factors or {}).get(k, "").strip() for k, _, _ in rules.FACTORS}
    with transaction.atomic():
        incident = _lock(incident)
        _require_team(actor, incident)
        _require_open(incident)
        _require_alleged(incident, person, "rated")
        rated = Rating.objects.create(incident=incident, person=person, rating=rating,
                                      dimensions=dims, factors=facts, rated_by=actor,
                                      rated_at=now())
        _save(incident, _responded(incident, actor))
        _append(incident, actor=actor, kind="rated",
                data={"rating_id": rated.pk, "person": person.pk, "rating": rating,
                      "dimensions": dims, "factors": facts})
        _audit(incident, actor=actor, event_type="incident_misuse_rated",
               details={"rating": rating})
    return rated


def rating_withdraw(*, actor, rating: Rating, reason: str) -> Rating:
    """A mistaken rating is withdrawn with a reason: kept in the record, never deleted."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why this rating is withdrawn", code="missing-reason")
    with transaction.atomic():
        incident = _lock(rating.incident)
        _require_team(actor, incident)
        row = Rating.objects.select_for_update().get(pk=rating.pk)
        if row.is_withdrawn:
            raise Conflict("this rating was already withdrawn", code="already-withdrawn")
        row.withdrawn_at = now()
        row.withdrawn_by = actor
        row.withdrawn_reason = reason
        row.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
        _append(incident, actor=actor, kind="rating_withdrawn",
                data={"rating_id": row.pk, "person": row.person_id, "rating": row.rating,
                      "reason": reason})
        _audit(incident, actor=actor, event_type="incident_rating_withdrawn",
               details={"rating": row.pk})
    return row


def _suspend_internet(*, actor, pupil, starts_at, ends_at, reason, incident_reference="") -> str:
    """Through the filtering issue's suspension where it exists; otherwise recorded only."""
    try:
        module = importlib.import_module("esafety.filtering.actions")
        suspend = module.internet_suspend
    except (ImportError, AttributeError):
        return "Recorded only: web filtering suspensions are not available on this install"
    try:
        # With the incident's reference, only the DSL or the head may lift it early.
        suspend(actor=actor, pupil=pupil, starts_at=starts_at, ends_at=ends_at, reason=reason,
                incident_reference=incident_reference)
    except NotAllowed as exc:
        # The decision stands even if this person may not change filtering themselves.
        return f"Recorded only: web filtering refused it ({exc}); ask the IT manager to apply it"
    return "Applied through web filtering"


def sanction_problems(incident: Incident, person: Person, kind: str,
                      rating: Rating | None) -> list[str]:
    """What stands between this sanction and the policy, in plain words (empty: none)."""
    problems = []
    if incident.outcome not in rules.SUBSTANTIATED_OUTCOMES:
        problems.append("No judgement that the concern has substance has been recorded "
                        "(004 App. II: a sanction follows only 'if the allegations are "
                        "proven').")
    count = incident.investigators.count()
    if count < rules.REQUIRED_INVESTIGATORS:
        problems.append(f"Name {rules.REQUIRED_INVESTIGATORS} senior investigators (002); "
                        f"{count} named so far.")
    if rating is None:
        problems.append(f"Rate {person.display_name}'s misuse first (004 Appendix I).")
    elif not rules.sanction_in_range(kind, rating.rating, for_pupil=person.is_pupil):
        allowed = "; ".join(label for _, label in
                            rules.sanction_range(rating.rating, for_pupil=person.is_pupil))
        problems.append(f"{rules.SANCTION_LABELS.get(kind, kind)} is outside the range the "
                        f"policy gives for a {rating.rating_label.lower()} rating "
                        f"(004 Appendix I): {allowed}.")
    return problems


def sanction_record(*, actor, incident: Incident, person: Person, kind: str, reasons: str,
                    starts_at: datetime.datetime | None = None,
                    ends_at: datetime.datetime | None = None,
                    override_reason: str = "") -> Sanction:
    """The decision-maker records a sanction for an alleged perpetrator, with reasons.

    Only on an open case judged to have substance, with two investigators, and within the
    range 004 Appendix I gives for the person's current rating. The headteacher may record
    one the rules refuse by giving `override_reason`, kept in the history.
    """
    reasons = (reasons or "").strip()
    override_reason = (override_reason or "").strip()
    if not reasons:
        raise InvalidInput("give the reasons for the sanction", code="missing-reasons")
    allowed = dict(rules.PUPIL_SANCTIONS if person.is_pupil else rules.STAFF_SANCTIONS)
    if kind not in allowed:
        raise InvalidInput(f"{rules.SANCTION_LABELS.get(kind, kind)} is not a sanction the policy "
                           f"gives for {'a pupil' if person.is_pupil else 'staff'}",
                           code="unknown-sanction")
    if kind == rules.INTERNET_SUSPENSION:
        if not starts_at or not ends_at:
            raise InvalidInput("give when the suspension starts and ends", code="missing-dates")
        if ends_at <= starts_at:
            raise InvalidInput("the suspension must end after it starts", code="bad-dates")
    with transaction.atomic():
        incident = _lock(incident)
        _require_team(actor, incident)
        _require_open(incident)
        _require_alleged(incident, person, "sanctioned")
        rating = current_rating(incident, person)
        problems = sanction_problems(incident, person, kind, rating)
        if problems and not override_reason:
            raise Conflict("This sanction cannot be recorded: " + " ".join(problems)
                           + " Only the headteacher can record it anyway, giving reasons.",
                           code="sanction-refused")
        if problems and not access.can_override_sanction(actor, incident):
            raise NotAllowed("Only the headteacher can record a sanction the policy's rules "
                             "refuse: " + " ".join(problems), code="not-headteacher")
        enforcement = ""
        if kind == rules.INTERNET_SUSPENSION:
            enforcement = _suspend_internet(actor=actor, pupil=person, starts_at=starts_at,
                                            ends_at=ends_at,
                                            reason=f"{incident.reference}: {reasons}"[:500],
                                            incident_reference=incident.reference)
        sanction = Sanction.objects.create(
            incident=incident, person=person, kind=kind, reasons=reasons, starts_at=starts_at,
            ends_at=ends_at, enforcement=enforcement, rating=rating,
            override_reason=override_reason if problems else "", decided_by=actor,
            decided_at=now())
        _save(incident, _responded(incident, actor))
        data = {"sanction": sanction.pk, "person": person.pk, "sanction_kind": kind,
                "reasons": reasons, "enforcement": enforcement,
                "rating_id": rating.pk if rating else None,
                "starts_at": starts_at.isoformat() if starts_at else None,
                "ends_at": ends_at.isoformat() if ends_at else None}
        if problems:
            data["override"] = {"reason": override_reason, "problems": problems}
        _append(incident, actor=actor, kind="sanction_recorded", data=data)
        _audit(incident, actor=actor, event_type="incident_sanction_recorded",
               details={"sanction": kind, "override": bool(problems)})
    return sanction


# --- takedown requests -------------------------------------------------------------------

def takedown_request(*, actor, incident: Incident, target: str, target_name: str,
                     sent_on: datetime.date, url: str = "", notes: str = "") -> TakedownRequest:
    if target not in dict(rules.TAKEDOWN_TARGETS):
        raise InvalidInput("choose who the request went to", code="unknown-target")
    if not (target_name or "").strip():
        raise InvalidInput("name the site, provider or person", code="missing-target")
    if sent_on > timezone.localdate():
        raise InvalidInput("the date sent is in the future", code="future-date")
    with transaction.atomic():
        incident = _lock(incident)
        _require_team(actor, incident)
        request = TakedownRequest.objects.create(
            incident=incident, target=target, target_name=target_name.strip(), url=url.strip(),
            sent_on=sent_on, notes=notes.strip(), recorded_by=actor)
        _save(incident, _responded(incident, actor))
        _append(incident, actor=actor, kind="takedown_requested",
                data={"takedown": request.pk, "target": target, "target_name": request.target_name,
                      "url": request.url, "sent_on": sent_on.isoformat()})
        _audit(incident, actor=actor, event_type="incident_takedown_requested")
    return request


def takedown_update(*, actor, request: TakedownRequest, outcome: str,
                    outcome_on: datetime.date, notes: str = "") -> TakedownRequest:
    if outcome not in dict(rules.TAKEDOWN_OUTCOMES):
        raise InvalidInput("choose an outcome", code="unknown-outcome")
    if outcome_on > timezone.localdate():
        raise InvalidInput("the date of the outcome is in the future", code="future-date")
    if outcome_on < request.sent_on:
        raise InvalidInput("the outcome cannot come before the request was sent", code="bad-dates")
    with transaction.atomic():
        incident = _lock(request.incident)
        _require_team(actor, incident)
        request = TakedownRequest.objects.select_for_update().get(pk=request.pk)
        request.outcome = outcome
        request.outcome_on = outcome_on
        if notes.strip():
            request.notes = (request.notes + "\n" + notes.strip()).strip()
        request.save(update_fields=["outcome", "outcome_on", "notes"])
        _append(incident, actor=actor, kind="takedown_updated",
                data={"takedown": request.pk, "outcome": outcome,
                      "outcome_on": outcome_on.isoformat(), "notes": notes.strip()})
        _audit(incident, actor=actor, event_type="incident_takedown_updated",
               details={"outcome": outcome})
    return request


# --- per-school settings -----------------------------------------------------------------

LETTER_FIELDS = {"parent_name", "pupil_name", "pupil_first_name", "pupil_year", "incident_date",
                 "summary", "sanction", "sanction_reasons", "designated_person", "signed_by",
                 "school_name", "reference", "date"}


MAX_LETTER_CHARS = 20_000


def check_letter_template(text: str) -> None:
    """Refuse a template that could not be turned into a letter later, with a clear message.

    Only the plain fields in LETTER_FIELDS, written {like_this}: no formatting after a colon
    or "!" (a width such as {date:>99999999} would build a letter of any size), no
    {field.attribute} or {field[0]}, and no stray { or }.
    """
    if len(text) > MAX_LETTER_CHARS:
        raise InvalidInput(f"the letter template is longer than {MAX_LETTER_CHARS:,} characters",
                           code="bad-template")
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise InvalidInput(f"the letter template has a stray brace: {exc}. Write {{{{ or }}}} "
                           "for a brace that is part of the letter", code="bad-template") from None
    names = {name for _, name, _, _ in parsed if name is not None}
    formatted = sorted({name for _, name, spec, conversion in parsed
                        if name is not None and (spec or conversion)})
    if formatted:
        raise InvalidInput("the letter template formats a field (with : or !) in "
                           f"{', '.join('{' + n + '}' for n in formatted)}: write each field "
                           "plainly, like {pupil_name}", code="bad-template")
    unknown = names - LETTER_FIELDS
    if unknown:
        raise InvalidInput(f"the letter template uses unknown fields: "
                           f"{', '.join('{' + n + '}' for n in sorted(unknown))}; available: "
                           f"{', '.join('{' + n + '}' for n in sorted(LETTER_FIELDS))}",
                           code="bad-template")


def incident_settings_update(*, actor, school, designated_person: Person | None,
                             chair_of_governors: Person | None,
                             letter_template: str) -> IncidentSettings:
    if not access.can_manage_settings(actor) or actor.school_id != school.id:
        raise NotAllowed("only the headteacher or DSL changes incident settings")
    for person, what in ((designated_person, "the designated person"),
                         (chair_of_governors, "the chair of governors")):
        if person is not None and person.school_id != school.id:
            raise InvalidInput(f"{what} is not in your school", code="other-school")
    if designated_person is not None and designated_person.role not in roles.SENIOR_ROLES:
        raise InvalidInput("the designated person must be the DSL, online safety lead or another "
                           "senior member of staff", code="not-senior")
    if chair_of_governors is not None and chair_of_governors.role != roles.GOVERNOR:
        raise InvalidInput("the chair of governors must be a governor", code="not-governor")
    if not (letter_template or "").strip():
        raise InvalidInput("the letter template cannot be empty", code="bad-template")
    check_letter_template(letter_template)
    with transaction.atomic():
        conf, _ = IncidentSettings.objects.select_for_update().get_or_create(school=school)
        moves = (conf.designated_person_id != getattr(designated_person, "pk", None)
                 or conf.chair_of_governors_id != getattr(chair_of_governors, "pk", None))
        if moves and access.open_allegations_about(actor).exists():
            # Otherwise someone accused could take the case from whoever now receives it.
            raise NotAllowed("You are the subject of an open allegation, so you cannot change "
                             "the designated person or the chair of governors until it is "
                             "closed. Another senior leader can.", code="subject-of-allegation")
        before = audit.snapshot(conf, ["designated_person", "chair_of_governors"])
        conf.designated_person = designated_person
        conf.chair_of_governors = chair_of_governors
        conf.letter_template = letter_template
        conf.save()
        audit.record(event_type="incident_settings_changed", actor=actor, obj=conf, school=school,
                     before=before,
                     after=audit.snapshot(conf, ["designated_person", "chair_of_governors"]))
    return conf


def incident_viewed(*, actor, incident: Incident, what: str = "incident") -> None:
    """Every view of an incident is itself recorded: who read a case is part of the case."""
    audit.record(event_type="incident_viewed", actor=actor, obj=incident, school=incident.school,
                 object_label=incident.reference, details={"what": what})


def last_seq(incident: Incident) -> int:
    return IncidentEvent.objects.filter(incident=incident).aggregate(m=Max("seq"))["m"] or 0
