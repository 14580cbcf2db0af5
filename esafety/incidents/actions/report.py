"""Reporting an incident, and changing its details afterwards (optimistic locking).

A report about nude or sexual images of a child keeps no image: reclassifying a case to
that kind removes any image it holds.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.incidents import events, rules
from esafety.incidents import evidence as files
from esafety.incidents.actions.evidence import add_evidence_row
from esafety.incidents.actions.guards import (
    require_in_school,
    require_open,
    require_team,
    responded,
    save,
)
from esafety.incidents.history import append, lock, now
from esafety.incidents.models import Evidence, Incident, IncidentSettings, Involvement
from esafety.incidents.notifications import notify_report


def _next_reference(school: School, when: datetime.datetime) -> str:
    prefix = f"INC-{when.year}-"
    count = Incident.objects.filter(school=school, reference__startswith=prefix).count()
    return f"{prefix}{count + 1:04d}"


def _check_when(occurred_at):
    if occurred_at is not None and occurred_at > timezone.now() + datetime.timedelta(minutes=5):
        raise InvalidInput("the date of the incident is in the future", code="future-date")


def incident_report(*, actor: Person, kind: str, description: str, summary: str = "",
                    occurred_at: datetime.datetime | None = None, location: str = "",
                    people: Iterable[Person] = (), subject_staff: Person | None = None,
                    urls: Iterable[str] = (),
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
        require_in_school(school, person, person.display_name)
    parts = dict(parts or {})
    if set(parts.values()) - set(rules.PART_LABELS):
        raise InvalidInput("unknown part in the case", code="unknown-part")
    require_in_school(school, subject_staff, "the member of staff")
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
            append(incident, actor=actor, kind="reported", state=True,
                    data={"via": via, "people": sorted(p.pk for p in people),
                          "parts": {str(pk): part for pk, (_, part) in sorted(involved.items())}})
            for url in clean_urls:
                add_evidence_row(incident, actor=actor, kind=rules.EVIDENCE_URL, url=url,
                                  text="Given with the report")
            if image_location.strip():
                add_evidence_row(incident, actor=actor, kind=rules.EVIDENCE_IMAGE_LOCATION,
                                  text=image_location.strip())
            if upload is not None:
                stored = files.store(incident=incident, name=name, data=data)
                add_evidence_row(incident, actor=actor, kind=upload_kind, name=name,
                                  data=data, stored=stored, content_type=content_type)
            events.incident_reported(actor=actor, incident=incident, via=via)
            # Every report is also a concern in the DSL's inbox (not an allegation about
            # staff), except a case opened from a concern: that concern links to it.
            # Imported here: the concerns app's actions import this package.
            from esafety.concerns.actions.states import ESCALATED_VIA
            from esafety.concerns.sources import from_report

            if via != ESCALATED_VIA:
                from_report(incident=incident)
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


EDITABLE = ["kind", "summary", "description", "occurred_at", "location", "designated_computer"]


def incident_edit(*, actor: Person, incident: Incident, expected_version: int,
                  **changes: object) -> Incident:
    """Change the incident's details, only if nobody else changed them since `expected_version`."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"cannot edit {', '.join(sorted(unknown))}", code="not-editable")
    if "kind" in changes and changes["kind"] not in rules.TYPE_LABELS:
        raise InvalidInput("unknown kind of incident", code="unknown-kind")
    if "description" in changes and not str(changes["description"] or "").strip():
        raise InvalidInput("the description cannot be empty", code="missing-description")
    _check_when(changes.get("occurred_at"))
    with transaction.atomic():
        incident = lock(incident)
        require_team(actor, incident)
        require_open(incident)
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
        changed += responded(incident, actor)
        save(incident, changed)
        append(incident, actor=actor, kind="edited", state=True,
                data={"fields": sorted(k for k in changes if k in changed)})
        events.incident_edited(actor=actor, incident=incident,
                               fields=sorted(set(changed) & set(EDITABLE)),
                               before_version=expected_version)
        if "kind" in changed and incident.kind in rules.NO_IMAGE_TYPES:
            _remove_images(incident, actor=actor)
    return incident


def _remove_images(incident: Incident, *, actor: Person) -> list[int]:
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
        append(incident, actor=actor, kind="image_removed",
                data={"evidence": item.pk, "sha256": item.sha256, "file": item.file_path,
                      "name": item.original_name, "reason": files.IMAGE_REMOVED_REASON})
        removed.append(item)
    if removed:
        events.incident_images_removed(actor=actor, incident=incident,
                                       evidence=[item.pk for item in removed])
        paths = [item.file_path for item in removed]
        transaction.on_commit(lambda: [files.delete_stored(path) for path in paths])
    return [item.pk for item in removed]
