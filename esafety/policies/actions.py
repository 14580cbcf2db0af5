"""Named actions for policies and acceptances. Each is one transaction with its audit row."""

import datetime
import hashlib

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from esafety.audit.events import snapshot
from esafety.directory import permissions, roles
from esafety.directory.models import Person, School
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.network import actions as network
from esafety.policies import events, status
from esafety.policies.models import Acceptance, PolicyDocument, PolicyVersion

VERSION_FIELDS = ["number", "approved_by", "approved_on", "review_due", "published_at",
                  "summary_of_changes"]
ACCEPTANCE_FIELDS = ["person", "version", "decision", "decided_at", "school_year_start", "method",
                     "recorded_by", "scanned_form_sha256", "cosigned_by", "cosigned_at"]
DOCUMENT_FIELDS = ["title", "audience", "responsible_person", "review_every_months"]

# Scanned forms: what a school scanner or phone produces, recognised by content, not name.
SCAN_SIGNATURES = {b"%PDF-": "pdf", b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpeg"}
MAX_SCAN_BYTES = 10 * 1024 * 1024


def policy_document_create(*, actor: Person, school: School, title: str, audience: str = "",
                           responsible_person: Person | None = None,
                           review_every_months: int = 12) -> PolicyDocument:
    permissions.require(actor, "manage_policies", school, what="manage policies")
    if audience and audience not in roles.AUDIENCE_LABELS:
        raise InvalidInput(f"unknown audience {audience!r}")
    if audience and PolicyDocument.objects.filter(school=school, audience=audience).exists():
        raise Conflict(f"{school.name} already has an Acceptable Use Policy for "
                       f"{roles.AUDIENCE_LABELS[audience].lower()}: publish a new version of it")
    if responsible_person is not None and responsible_person.school_id != school.id:
        raise InvalidInput("the responsible person must be in the same school")
    with transaction.atomic():
        document = PolicyDocument.objects.create(
            school=school, title=title, audience=audience, responsible_person=responsible_person,
            review_every_months=review_every_months)
        events.policy_created(actor=actor, document=document,
                              after=snapshot(document, DOCUMENT_FIELDS))
    return document


def policy_publish(*, actor: Person, document: PolicyDocument, number: str, text: str, approved_by: str,
                   approved_on: datetime.date, review_due: datetime.date,
                   summary_of_changes: str = "", monitoring_notice: str | None = None,
                   published_at: datetime.datetime | None = None) -> PolicyVersion:
    """Publish a new version. For an AUP, everyone in its audience must accept it again."""
    permissions.require(actor, "manage_policies", document.school_id, what="publish policies")
    if not text.strip():
        raise InvalidInput("the policy text is empty")
    if review_due <= approved_on:
        raise InvalidInput("the review date must be after the approval date")
    if document.versions.filter(number=number).exists():
        raise Conflict(f"version {number} of {document.title} already exists")
    with transaction.atomic():
        previous = document.current_version()
        version = PolicyVersion(
            document=document, number=number, text=text, approved_by=approved_by,
            approved_on=approved_on, review_due=review_due, summary_of_changes=summary_of_changes,
            published_at=published_at or timezone.now(),
            published_by=actor if getattr(actor, "pk", None) else None)
        if monitoring_notice is not None:
            version.monitoring_notice = monitoring_notice
        version.save()
        events.policy_published(
            actor=actor, version=version,
            before=snapshot(previous, VERSION_FIELDS) if previous else None,
            after=snapshot(version, VERSION_FIELDS))
        if document.is_aup:
            network.aup_answers_changed(school=document.school)
    return version


def acceptance_record(*, actor: Person, person: Person, version: PolicyVersion, decision: str,
                      method: str = Acceptance.ONLINE, decided_at: datetime.datetime | None = None,
                      scanned_form: UploadedFile | None = None,
                      cosigned_by: Person | None = None) -> Acceptance:
    """Record a person's answer to an AUP version: online by themselves, or from a paper form.

    A paper answer is recorded by staff with the right role and needs the scanned form.
    """
    if decision not in (Acceptance.ACCEPTED, Acceptance.DECLINED):
        raise InvalidInput(f"unknown decision {decision!r}")
    if version.published_at is None:
        raise Conflict("that version has not been published")
    if person.school_id != version.document.school_id:
        raise NotAllowed("that policy belongs to another school")
    if person.audience != version.document.audience:
        raise InvalidInput(f"{person.display_name} is not in the audience of {version.document.title}")
    if method == Acceptance.ONLINE:
        if actor is None or actor.pk != person.pk:
            raise NotAllowed("only the person themselves can accept online")
        if scanned_form is not None or cosigned_by is not None:
            raise InvalidInput("an online answer has no scanned form or paper co-signature")
    elif method == Acceptance.PAPER:
        permissions.require(actor, "record_paper_signature", person.school_id,
                            what="record paper signatures")
        if scanned_form is None:
            raise InvalidInput("attach the scanned, signed form")
        if cosigned_by is not None and not person.parents.filter(pk=cosigned_by.pk).exists():
            raise InvalidInput(f"{cosigned_by.display_name} is not linked to {person.display_name}")
    else:
        raise InvalidInput(f"unknown method {method!r}")
    decided_at = decided_at or timezone.now()
    if decided_at > timezone.now() + datetime.timedelta(minutes=5):
        raise InvalidInput("the date signed cannot be in the future")

    with transaction.atomic():
        answer = Acceptance(person=person, version=version, decision=decision, method=method,
                            decided_at=decided_at,
                            school_year_start=status.acceptance_year(person, decided_at.date()),
                            recorded_by=actor if method == Acceptance.PAPER else None)
        if scanned_form is not None:
            answer.scanned_form_sha256 = _store_scan(answer, scanned_form)
        if cosigned_by is not None:
            answer.cosigned_by = cosigned_by
            answer.cosigned_at = decided_at
        answer.save()
        events.aup_answered(actor=actor, answer=answer,
                            after=snapshot(answer, ACCEPTANCE_FIELDS),
                            details={"method": method, "audience": version.document.audience})
        network.aup_answers_changed(school=person.school)
    return answer


def _store_scan(answer: Acceptance, upload: UploadedFile) -> str:
    if (upload.size or 0) > MAX_SCAN_BYTES:
        raise InvalidInput("the scanned form is larger than 10 MB")
    head = upload.read(16)
    upload.seek(0)
    kind = next((k for sig, k in SCAN_SIGNATURES.items() if head.startswith(sig)), None)
    if kind is None:
        raise InvalidInput("the scanned form must be a PDF, PNG or JPEG file")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    answer.scanned_form.save(f"{digest.hexdigest()[:16]}.{kind}", upload, save=False)
    return digest.hexdigest()


def acceptance_cosign(*, actor: Person, acceptance: Acceptance) -> Acceptance:
    """002: parents sign the agreement together with their child."""
    if actor is None or actor.role != roles.PARENT:
        raise NotAllowed("only a parent or carer can co-sign")
    if not actor.children.filter(pk=acceptance.person_id).exists():
        raise NotAllowed("you can only co-sign your own child's agreement")
    if acceptance.decision != Acceptance.ACCEPTED:
        raise Conflict("your child has not accepted this agreement")
    with transaction.atomic():
        acceptance = Acceptance.objects.select_for_update().get(pk=acceptance.pk)
        if acceptance.cosigned_by is not None:
            raise Conflict(f"already co-signed by {acceptance.cosigned_by.display_name}")
        before = snapshot(acceptance, ACCEPTANCE_FIELDS)
        acceptance.cosigned_by = actor
        acceptance.cosigned_at = timezone.now()
        # The one permitted change to an answer: the co-signature joins it.
        Acceptance.objects.filter(pk=acceptance.pk).update(
            cosigned_by=actor, cosigned_at=acceptance.cosigned_at)
        events.aup_cosigned(actor=actor, acceptance=acceptance, before=before,
                            after=snapshot(acceptance, ACCEPTANCE_FIELDS))
    return acceptance
