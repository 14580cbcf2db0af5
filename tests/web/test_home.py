"""Each role's home page shows what needs them."""

from esafety.directory import roles
from esafety.incidents import actions as incident_actions


def test_the_dsl_sees_new_incidents_on_their_home_page(pupil, dsl, teacher, client_for):
    incident_actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                     description="Mean comments in a group chat.", people=[pupil])
    page = client_for(dsl).get("/").content.decode()
    assert "1 new</span> 1 open case you can see" in page
    assert "Online safety incidents" not in client_for(teacher).get("/").content.decode()


def test_a_pupil_home_page_offers_to_tell_someone(pupil, client_for):
    page = client_for(pupil).get("/").content.decode()
    assert "if anything online upsets you or worries you, tell an adult" in page
    assert "Tell us about something that worried you" in page


def test_a_parent_sees_which_child_waits_for_a_cosignature(parent, pupil, headteacher, client_for):
    import datetime

    from django.utils import timezone

    from esafety.policies import actions
    document = actions.policy_document_create(actor=headteacher, school=headteacher.school,
                                              title="KS3 rules", audience=roles.AUDIENCE_KS3)
    version = actions.policy_publish(actor=headteacher, document=document, number="1", text="Rules",
                                     approved_by="GB", approved_on=timezone.localdate(),
                                     review_due=timezone.localdate() + datetime.timedelta(days=9))
    actions.acceptance_record(actor=pupil, person=pupil, version=version, decision="accepted")
    page = client_for(parent).get("/").content.decode()
    assert "Pip: <strong>waiting for your co-signature</strong>" in page
