from esafety.incidents.chain import verify_incident
from esafety.retention.demo import load_demo_retention
from esafety.retention.models import PurgeRun, RetentionSetting


def test_the_demo_leaves_a_dry_run_with_an_old_incident_to_confirm(school, headteacher, dsl,
                                                                   make_person):
    make_person("pupil", username="old-pupil", year_group=9)
    load_demo_retention(school)
    run = PurgeRun.objects.get(school=school)
    assert run.state == PurgeRun.PREPARED
    assert run.plan["incidents"]["count"] == 1
    assert RetentionSetting.objects.get(school=school, record_type="notices").days == 3 * 365
    from esafety.incidents.models import Incident

    assert verify_incident(Incident.objects.get(school=school)).ok
