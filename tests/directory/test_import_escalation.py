"""Imports never make anyone senior, never touch a senior record or the importer's own
: refused with the row number, and then nothing at all is imported."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.directory.importing import ImportFailed, import_people
from esafety.directory.models import Person

HEADER = "id,first_name,last_name,email,role,leaving_date\n"


@pytest.fixture
def business_manager(make_person):
    return make_person(roles.BUSINESS_MANAGER, username="bm", first_name="Bea", last_name="Money",
                       external_id="S010", email="bm@hollinspark.sch.uk")


@pytest.fixture
def head(make_person):
    return make_person(roles.HEADTEACHER, username="head", first_name="Helen", last_name="Head",
                       external_id="S001", email="head@hollinspark.sch.uk")


def staff_file(*rows):
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def upload(client, data, *, check_only=False):
    form = {"kind": "staff", "file": SimpleUploadedFile("staff.csv", data)}
    if check_only:
        form["check_only"] = "on"
    return client.post("/people/import/", form).content.decode()


def problems(data, school, actor):
    with pytest.raises(ImportFailed) as failed:
        import_people(data, school=school, kind="staff", actor=actor)
    return [str(p) for p in failed.value.problems]


def test_a_business_manager_cannot_make_themselves_headteacher_through_the_web_form(
        business_manager, head, client_for):
    data = staff_file("S010,Bea,Money,bm@hollinspark.sch.uk,headteacher,",
                      "S001,Helen,Head,head@hollinspark.sch.uk,teacher,",
                      "S020,New,Teacher,new@hollinspark.sch.uk,teacher,")

    page = upload(client_for(business_manager), data)

    assert "Nothing was imported." in page
    assert "row 2: this is your own record" in page
    assert "row 3: Helen Head is headteacher / principal in esafety" in page
    business_manager.refresh_from_db()
    head.refresh_from_db()
    assert business_manager.role == roles.BUSINESS_MANAGER
    assert head.role == roles.HEADTEACHER and head.is_active
    assert not Person.objects.filter(external_id="S020").exists()  # all or nothing
    assert not AuditEvent.objects.filter(event_type__startswith="person_").exists()


def test_an_it_manager_cannot_make_a_new_dsl_or_record_the_head_as_leaving(it_manager, head,
                                                                          client_for):
    data = staff_file("S030,Eve,Climber,eve@hollinspark.sch.uk,dsl,",
                      "S001,Helen,Head,head@hollinspark.sch.uk,headteacher,2020-01-01")

    page = upload(client_for(it_manager), data, check_only=True)

    assert "row 2: Eve Climber would be added as designated safeguarding lead" in page
    assert "row 3: Helen Head is headteacher / principal in esafety and this row would " \
           "change their record" in page
    head.refresh_from_db()
    assert head.is_active and head.left_on is None
    assert not Person.objects.filter(external_id="S030").exists()


@pytest.mark.parametrize("role", sorted(roles.PROTECTED_ROLES))
def test_no_import_gives_a_senior_or_safeguarding_role(role, school, headteacher):
    # Not even the headteacher's own import: senior roles are given on the person's page.
    found = problems(staff_file(f"S040,Sam,Sample,s@hollinspark.sch.uk,{role},"), school,
                     headteacher)
    assert len(found) == 1 and found[0].startswith("row 2: Sam Sample would be added as")
    assert not Person.objects.filter(external_id="S040").exists()


def test_no_import_demotes_a_senior_person(school, headteacher, make_person):
    dsl = make_person(roles.DSL, external_id="S050", first_name="Dee", last_name="Lead",
                      email="dee@hollinspark.sch.uk")
    found = problems(staff_file("S050,Dee,Lead,dee@hollinspark.sch.uk,teacher,"), school,
                     headteacher)
    assert found == [
        "row 2: Dee Lead is designated safeguarding lead in esafety and this row would change "
        "their role to teacher: an import never changes someone with a senior or safeguarding "
        "role (headteacher / principal, assistant headteacher, designated safeguarding lead, "
        "online safety lead, governor). The headteacher changes it on their page; or make the "
        "row match what esafety holds"]
    dsl.refresh_from_db()
    assert dsl.role == roles.DSL


def test_a_manager_cannot_give_a_peer_role(it_manager, school):
    found = problems(staff_file("S060,Bo,Peer,bo@hollinspark.sch.uk,business_manager,"), school,
                     it_manager)
    assert found == ["row 2: your role cannot give the role business manager (ask the headteacher)"]


def test_an_unchanged_senior_row_and_own_row_import_again(business_manager, head, client_for):
    # A full MIS export lists the head and the importer: unchanged, they are simply kept.
    data = staff_file("S010,Bea,Money,bm@hollinspark.sch.uk,business_manager,",
                      "S001,Helen,Head,head@hollinspark.sch.uk,headteacher,",
                      "S020,New,Teacher,new@hollinspark.sch.uk,teacher,")

    page = upload(client_for(business_manager), data)

    assert "1 added, 0 updated, 2 unchanged" in page
    assert Person.objects.get(external_id="S020").role == roles.TEACHER


def test_the_command_line_refuses_a_senior_row_too(school, head, tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_bytes(staff_file("S001,Helen,Head,head@hollinspark.sch.uk,teacher,",
                                "S070,Max,Power,max@hollinspark.sch.uk,headteacher,",
                                "S071,Ok,Row,ok@hollinspark.sch.uk,teacher,"))

    with pytest.raises(CommandError, match="2 problem\\(s\\); nothing was imported"):
        call_command("import", "people", str(path), "--school", "hollins-park", "--kind", "staff")

    err = capsys.readouterr().err
    assert f"{path}: row 2: Helen Head is headteacher / principal in esafety" in err
    assert f"{path}: row 3: Max Power would be added as headteacher / principal" in err
    head.refresh_from_db()
    assert head.role == roles.HEADTEACHER
    assert not Person.objects.filter(external_id__in=["S070", "S071"]).exists()


def test_the_command_line_dry_run_reports_the_refusals(school, head, tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_bytes(staff_file("S001,Helen,Head,head@hollinspark.sch.uk,teacher,"))
    with pytest.raises(CommandError):
        call_command("import", "people", str(path), "--school", "hollins-park", "--kind",
                     "staff", "--dry-run")
    assert "row 2: Helen Head is headteacher" in capsys.readouterr().err
