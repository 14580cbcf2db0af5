"""Evidence in a case: added with its SHA-256, withdrawn (never deleted), signed off."""

from __future__ import annotations

from django.db import transaction

from esafety.directory.models import Person
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.incidents import access, events, rules
from esafety.incidents import evidence as files
from esafety.incidents.actions.guards import require_open, require_team, responded, save
from esafety.incidents.history import append, lock, now
from esafety.incidents.models import Evidence, Incident, ScreenshotSignoff


def add_evidence_row(incident: Incident, *, actor: Person, kind: str, url: str = "",
                     phone: str = "", text: str = "", name: str = "",
                     data: bytes | None = None, stored: str | None = None,
                     content_type: str = "") -> Evidence:
    if data is not None:
        digest = files.sha256_bytes(data)
    else:
        digest = files.sha256_text_item(kind=kind, url=url, phone=phone, text=text)
    item = Evidence.objects.create(
        incident=incident, kind=kind, url=url, phone=phone, text=text, file_path=stored or "",
        original_name=name[:255], content_type=content_type, size=len(data) if data else 0,
        sha256=digest, added_by=actor, added_at=now())
    append(incident, actor=actor, kind="evidence_added",
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


def evidence_add(*, actor: Person, incident: Incident, kind: str, url: str = "", phone: str = "",
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
            incident = lock(incident)
            require_open(incident)
            if kind == rules.EVIDENCE_VISIT and not incident.designated_computer:
                raise InvalidInput("record the designated computer before visiting sites (002)",
                                   code="no-designated-computer")
            if level == access.TEAM:
                save(incident, responded(incident, actor))
            if upload is not None:
                stored = files.store(incident=incident, name=upload[0], data=upload[1])
            item = add_evidence_row(
                incident, actor=actor, kind=kind, url=url, phone=phone, text=text,
                name=upload[0] if upload else "", data=upload[1] if upload else None,
                stored=stored, content_type=content_type if upload else "")
            events.incident_evidence_added(actor=actor, incident=incident, evidence=item.pk,
                                           evidence_kind=kind, sha256=item.sha256)
            if kind == rules.EVIDENCE_SCREENSHOT:
                # The investigators sign screenshots off: tell them one waits (after commit).
                from esafety.incidents import notifications

                transaction.on_commit(lambda: notifications.signoff_needed(
                    incident.pk, item.pk, actor.pk))
    except BaseException:
        if stored:
            files.remove_unsaved(stored)
        raise
    return item


def evidence_withdraw(*, actor: Person, evidence: Evidence, reason: str) -> Evidence:
    """Nothing is deleted: a mistaken item is marked withdrawn, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why this item is withdrawn", code="missing-reason")
    with transaction.atomic():
        incident = lock(evidence.incident)
        require_team(actor, incident)
        item = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if item.is_withdrawn:
            raise Conflict("this item was already withdrawn", code="already-withdrawn")
        item.withdrawn_at = now()
        item.withdrawn_by = actor
        item.withdrawn_reason = reason
        item.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
        append(incident, actor=actor, kind="evidence_withdrawn",
                data={"evidence": item.pk, "reason": reason})
        events.incident_evidence_withdrawn(actor=actor, incident=incident, evidence=item.pk)
    return item


def screenshot_sign(*, actor: Person, evidence: Evidence) -> ScreenshotSignoff:
    """An investigator signs a screenshot off (002: 'printed, signed and attached')."""
    with transaction.atomic():
        incident = lock(evidence.incident)
        require_team(actor, incident)
        if evidence.kind != rules.EVIDENCE_SCREENSHOT or evidence.is_withdrawn:
            raise InvalidInput("only a current screenshot can be signed off", code="not-screenshot")
        if not incident.investigators.filter(person=actor).exists():
            raise NotAllowed("only the named investigators sign screenshots off",
                             code="not-investigator")
        if evidence.signoffs.filter(person=actor).exists():
            raise Conflict("you have already signed this screenshot off", code="already-signed")
        signoff = ScreenshotSignoff.objects.create(evidence=evidence, person=actor,
                                                   signed_at=now())
        append(incident, actor=actor, kind="screenshot_signed",
                data={"evidence": evidence.pk, "sha256": evidence.sha256})
        events.incident_screenshot_signed(actor=actor, incident=incident,
                                          evidence=evidence.pk)
    return signoff
