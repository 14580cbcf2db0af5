import datetime

import pytest
from django.utils import timezone

from esafety.directory import roles
from esafety.policies import actions


@pytest.fixture
def publish(headteacher):
    """publish(audience, number="1.0", text=...) -> a published AUP version for the test school."""

    def make(audience, number="1.0", text=None, published_at=None):
        school = headteacher.school
        document = school.policies.filter(audience=audience).first() or actions.policy_document_create(
            actor=headteacher, school=school, title=f"Acceptable Use Policy: {roles.AUDIENCE_LABELS[audience]}", audience=audience,
            responsible_person=headteacher)
        today = timezone.localdate()
        return actions.policy_publish(
            actor=headteacher, document=document, number=number,
            text=text or f"Rules for {audience}, version {number}.",
            approved_by="Full governing body", approved_on=today - datetime.timedelta(days=1),
            review_due=today + datetime.timedelta(days=365), published_at=published_at)

    return make
