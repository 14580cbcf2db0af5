"""The governors' pack reads plain counts of consent exceptions."""

import datetime

from django.utils import timezone

from esafety.consent import selectors
from esafety.consent.models import AGREED, WEBSITE, Consent, PublishedItem, SchoolChannel
from esafety.directory import roles


def _consent(pupil, purpose, decision):
    return Consent.objects.create(school=pupil.school, pupil=pupil, purpose=purpose,
                                  decision=decision, given_on=datetime.date(2026, 9, 5),
                                  recorded_at=timezone.now())


def test_counts_pupils_without_consent_items_to_remove_and_unapproved_channels(
        school, make_person, other_school):
    agreed = make_person(roles.PUPIL)
    never_asked = make_person(roles.PUPIL)
    make_person(roles.PUPIL, school=other_school)
    _consent(agreed, WEBSITE, AGREED)
    item = PublishedItem.objects.create(school=school, title="Sports day", purpose=WEBSITE,
                                        published_on=datetime.date(2026, 7, 1),
                                        added_at=timezone.now())
    item.pupils.add(agreed, never_asked)
    SchoolChannel.objects.create(school=school, name="School news", platform="Facebook",
                                 added_at=timezone.now())
    summary = selectors.exceptions_summary(school)
    assert summary == {"pupils": 2, "no_consent_website": 1, "no_consent_newspaper": 2,
                       "no_consent_social_media": 2, "no_consent_publish_work": 2,
                       "items_to_remove": 1, "channels": 1, "channels_unapproved": 1}
