"""Demo consents a school would recognise: most families said yes on the September form,
a few said no, one withdrew; this term's gallery and newspaper pieces; the school's accounts."""

from __future__ import annotations

import datetime

from django.utils import timezone

from esafety.consent import actions
from esafety.consent.models import (
    AGREED,
    NEWSPAPER,
    PUBLISH_WORK,
    PURPOSES,
    REFUSED,
    SOCIAL_MEDIA,
    WEBSITE,
    WITHDRAWN,
    Consent,
)
from esafety.directory import roles
from esafety.directory.models import Person, School


def load_demo_consent(school: School) -> None:
    """Idempotent: a school that already has consents gets nothing more."""
    if Consent.objects.filter(school=school).exists():
        return
    head = Person.objects.filter(school=school, role=roles.HEADTEACHER).order_by("pk").first()
    office = Person.objects.filter(school=school, role=roles.BUSINESS_MANAGER).order_by(
        "pk").first() or head
    teacher = Person.objects.filter(school=school, role=roles.TEACHER, is_active=True).order_by(
        "pk").first() or head
    if head is None or office is None or teacher is None:
        return
    today = timezone.localdate()
    form_day = datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 8)
    pupils = list(Person.objects.filter(school=school, role=roles.PUPIL, is_active=True)
                  .order_by("pk").prefetch_related("parents"))
    for n, pupil in enumerate(pupils):
        if n % 10 == 9:
            continue  # no form back yet: must not appear anywhere
        parent = pupil.parents.first()
        for code, _ in PURPOSES:
            decision = REFUSED if (n % 7 == 3 and code in (NEWSPAPER, SOCIAL_MEDIA)) \
                or n % 23 == 5 else AGREED
            actions.consent_record(
                actor=office, pupil=pupil, purpose=code, decision=decision,
                given_on=form_day, given_by=parent,
                given_by_name="" if parent else "Parent (paper form)",
                pupil_agreed=True if (pupil.year_group or 0) >= 7 else None,
                note="September consent form")
    # A parent changed their mind after the sports day gallery went up.
    withdrawn = next((p for n, p in enumerate(pupils) if n % 10 != 9 and n % 23 != 5), None)
    if withdrawn is not None:
        actions.consent_record(actor=office, pupil=withdrawn, purpose=WEBSITE,
                               decision=WITHDRAWN, given_on=today,
                               given_by=withdrawn.parents.first(),
                               given_by_name="" if withdrawn.parents.exists() else "Parent",
                               note="Phoned the office")
    gallery = [p for n, p in enumerate(pupils[:12]) if n % 10 != 9]
    if withdrawn is not None and withdrawn not in gallery:
        gallery.append(withdrawn)
    actions.published_item_add(actor=teacher, school=school, title="Sports day gallery",
                               purpose=WEBSITE, where="hollinspark.sch.uk/news/sports-day",
                               published_on=today - datetime.timedelta(days=40), pupils=gallery)
    actions.published_item_add(actor=teacher, school=school,
                               title="Year 9 science fair winners",
                               purpose=NEWSPAPER, where="Northern Evening Gazette",
                               published_on=today - datetime.timedelta(days=20),
                               pupils=pupils[20:23])
    actions.published_item_add(actor=teacher, school=school, title="Poetry week anthology",
                               purpose=PUBLISH_WORK, where="Printed booklet and website",
                               published_on=today - datetime.timedelta(days=10),
                               pupils=pupils[30:36])
    it = Person.objects.filter(school=school, role=roles.IT_MANAGER).order_by("pk").first()
    for name, platform, address, runner, approve in [
        ("Hollins Park School", "Facebook", "facebook.com/hollinsparkschool", office, True),
        ("Hollins Park PE", "X (Twitter)", "x.com/hollinsparkpe", teacher, True),
        ("School website", "Website", "hollinspark.sch.uk", it or office, True),
        ("Hollins Park Drama", "Instagram", "instagram.com/hollinsparkdrama", teacher, False),
    ]:
        channel = actions.channel_save(actor=head, school=school, name=name, platform=platform,
                                       address=address, run_by=runner)
        if approve:
            actions.channel_approve(actor=head, channel=channel)
