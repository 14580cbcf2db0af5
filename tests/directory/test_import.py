"""Importing people from MIS CSV files: all or nothing, row-numbered errors, re-import updates."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.directory.importing import ImportFailed, import_people
from esafety.directory.models import Person

STAFF = b"""id,first_name,last_name,email,role
S001,Bethan,Rowe,b.rowe@hollinspark.sch.uk,it_manager
S002,Grace,Okafor,g.okafor@hollinspark.sch.uk,support_staff
S003,Amir,Hussain,a.hussain@hollinspark.sch.uk,teacher
"""

PUPILS = b"""id,first_name,last_name,year_group,form,date_of_birth
P0001,Ruby,Thomas,1,1A,2019-10-04
P0002,Kai,Nowak,Y10,10B,12/03/2011
P0003,Zara,Khan,R,RA,
"""

PARENTS = b"""id,first_name,last_name,email,children
C001,Anna,Nowak,anna.nowak@example.net,P0002
C002,Sam,Thomas,sam.t@example.net,P0001;P0003
"""


def problems_of(data, school, kind):
    with pytest.raises(ImportFailed) as failed:
        import_people(data, school=school, kind=kind)
    return [str(p) for p in failed.value.problems]


def test_staff_file_imports_everyone_with_their_roles(school):
    result = import_people(STAFF, school=school, kind="staff")

    assert result.added == 3
    head = Person.objects.get(school=school, external_id="S001")
    assert head.role == roles.IT_MANAGER
    assert head.username == "bethan.rowe"
    assert head.email == "b.rowe@hollinspark.sch.uk"
    assert not head.has_usable_password()
    assert AuditEvent.objects.filter(event_type="person_imported").count() == 3


def test_importing_the_same_file_again_updates_rather_than_duplicates(school):
    import_people(STAFF, school=school, kind="staff")
    changed = STAFF.replace(b"Amir,Hussain", b"Amir,Hussain-Jones")

    result = import_people(changed, school=school, kind="staff")

    assert (result.added, result.updated, result.unchanged) == (0, 1, 2)
    assert Person.objects.filter(school=school).count() == 3
    amir = Person.objects.get(external_id="S003")
    assert amir.last_name == "Hussain-Jones"
    event = AuditEvent.objects.get(event_type="person_updated_by_import")
    assert event.before["last_name"] == "Hussain" and event.after["last_name"] == "Hussain-Jones"


def test_pupil_year_groups_give_the_key_stage(school):
    import_people(PUPILS, school=school, kind="pupils")

    ruby, kai, zara = (Person.objects.get(external_id=i) for i in ("P0001", "P0002", "P0003"))
    assert (ruby.year_group, ruby.key_stage, ruby.audience) == (1, 1, "pupils_ks1")
    assert (kai.year_group, kai.key_stage, kai.form) == (10, 4, "10B")
    assert str(kai.date_of_birth) == "2011-03-12"
    assert (zara.year_group, zara.key_stage) == (0, 1)


def test_parents_are_linked_to_their_children(school):
    import_people(PUPILS, school=school, kind="pupils")
    import_people(PARENTS, school=school, kind="parents")

    sam = Person.objects.get(external_id="C002")
    assert sorted(c.external_id for c in sam.children.all()) == ["P0001", "P0003"]
    assert sam.role == roles.PARENT


def test_pupil_and_staff_ids_may_coincide_without_clashing(school):
    import_people(b"id,first_name,last_name,email,role\n1,A,B,a@x.org,teacher\n", school=school, kind="staff")
    import_people(b"id,first_name,last_name,year_group\n1,C,D,5\n", school=school, kind="pupils")
    assert Person.objects.filter(external_id="1").count() == 2


def test_every_problem_is_reported_with_its_row_and_nothing_is_imported(school):
    bad = b"""id,first_name,last_name,year_group,date_of_birth
P1,Ruby,Thomas,1,2019-10-04
P2,,Nowak,Y10,31/02/2011
P1,Zara,Khan,15,
P4,Ali,Shah,Year 3,yesterday
"""
    problems = problems_of(bad, school, "pupils")

    assert problems == [
        "row 3: first_name is empty",
        "row 3: date_of_birth '31/02/2011' is not a date (use YYYY-MM-DD or DD/MM/YYYY)",
        "row 4: unknown year group '15' (use R or 1 to 13)",
        "row 4: id 'P1' is also on row 2",
        "row 5: date_of_birth 'yesterday' is not a date (use YYYY-MM-DD or DD/MM/YYYY)",
    ]
    assert not Person.objects.exists()
    assert not AuditEvent.objects.exists()


def test_missing_and_extra_columns_are_refused(school):
    problems = problems_of(b"id,first_name,email,role,shoe_size\nS1,A,a@x.org,teacher,9\n",
                           school, "staff")
    assert "row 1: unknown column 'shoe_size' (a staff file has: id, first_name, last_name, email, role, username, leaving_date, access_expires)" in problems
    assert "row 1: missing column 'last_name'" in problems
    assert not Person.objects.exists()


def test_rows_with_too_many_or_too_few_values_are_refused(school):
    problems = problems_of(b"id,first_name,last_name,year_group\nP1,A,B,3,extra\nP2,C\n", school, "pupils")
    assert problems == ["row 2: 5 values, but the header has 4 columns",
                        "row 3: 2 values, but the header has 4 columns"]


def test_unknown_roles_are_refused(school):
    problems = problems_of(b"id,first_name,last_name,email,role\nS1,A,B,a@x.org,wizard\n", school, "staff")
    assert len(problems) == 1 and problems[0].startswith("row 2: unknown role 'wizard' (use one of:")


def test_a_parent_linked_to_an_unknown_pupil_is_refused(school, other_school):
    import_people(PUPILS, school=other_school, kind="pupils")  # same ids, another school
    problems = problems_of(PARENTS, school, "parents")
    assert problems == ["row 2: child 'P0002' is not a pupil of Hollins Park School",
                        "row 3: child 'P0001' is not a pupil of Hollins Park School",
                        "row 3: child 'P0003' is not a pupil of Hollins Park School"]


def test_a_file_that_is_not_utf8_says_which_row_and_what_to_do(school):
    data = "id,first_name,last_name,year_group\nP1,Zoë,Smith,3\n".encode("latin-1")
    assert problems_of(data, school, "pupils") == [
        "row 2: not UTF-8 text (byte 0xeb); save the file as 'CSV UTF-8' and import it again"]


def test_empty_files_and_header_only_files_are_refused(school):
    assert problems_of(b"", school, "pupils") == ["the file is empty"]
    assert problems_of(b"  \n\n", school, "pupils") == ["the file is empty"]
    assert problems_of(b"id,first_name,last_name,year_group\n", school, "pupils") == [
        "the file has a header but no people"]


def test_guests_in_the_staff_file_need_an_end_to_their_access(school):
    problems = problems_of(b"id,first_name,last_name,email,role\nV1,Lucy,F,l@x.org,visitor\n",
                           school, "staff")
    assert problems == ["row 2: a supply teacher, trainee or visitor needs an access_expires date"]


def test_a_leaving_date_in_the_file_ends_access(school):
    import_people(STAFF, school=school, kind="staff")
    leaving = b"""id,first_name,last_name,email,role,leaving_date
S001,Bethan,Rowe,b.rowe@hollinspark.sch.uk,it_manager,
S002,Grace,Okafor,g.okafor@hollinspark.sch.uk,support_staff,
S003,Amir,Hussain,a.hussain@hollinspark.sch.uk,teacher,31/07/2020
"""

    result = import_people(leaving, school=school, kind="staff")

    amir = Person.objects.get(external_id="S003")
    assert result.left == 1
    assert not amir.is_active and not amir.can_use_systems()
    assert AuditEvent.objects.filter(event_type="person_left", object_id=str(amir.pk)).exists()


def test_mis_header_spellings_and_semicolons_are_understood(school):
    data = b"Admission Number;Legal Forename;Legal Surname;NC Year;Reg Group\nA1;Ivy;Lee;Year 7;7C\n"
    import_people(data, school=school, kind="pupils")
    ivy = Person.objects.get(external_id="A1")
    assert (ivy.first_name, ivy.year_group, ivy.form) == ("Ivy", 7, "7C")


def test_the_command_prints_each_problem_and_exits_non_zero(school, tmp_path, capsys):
    path = tmp_path / "pupils.csv"
    path.write_bytes(b"id,first_name,last_name,year_group\nP1,A,B,14\nP2,C,D,2\n")

    with pytest.raises(CommandError) as failed:
        call_command("import", "people", str(path), "--school", "hollins-park", "--kind", "pupils")

    assert "1 problem(s); nothing was imported" in str(failed.value)
    assert f"{path}: row 2: unknown year group '14' (use R or 1 to 13)" in capsys.readouterr().err
    assert not Person.objects.exists()


def test_the_command_imports_a_clean_file(school, tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_bytes(STAFF)
    call_command("import", "people", str(path), "--school", "hollins-park", "--kind", "staff")
    assert "3 added, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert Person.objects.filter(school=school).count() == 3


def test_the_command_names_an_unknown_school(school, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(STAFF)
    with pytest.raises(CommandError, match="no school 'nowhere' \\(known: hollins-park\\)"):
        call_command("import", "people", str(path), "--school", "nowhere", "--kind", "staff")


def test_the_import_page_lists_problems_and_imports_nothing(school, make_person, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    manager = make_person(roles.BUSINESS_MANAGER)
    client = client_for(manager)
    bad = SimpleUploadedFile("pupils.csv", b"id,first_name,last_name,year_group\nP1,A,B,14\n")

    page = client.post("/people/import/", {"kind": "pupils", "file": bad}).content.decode()

    assert "Nothing was imported." in page
    assert "row 2: unknown year group &#x27;14&#x27;" in page
    assert Person.objects.filter(role=roles.PUPIL).count() == 0
    good = SimpleUploadedFile("pupils.csv", PUPILS)
    page = client.post("/people/import/", {"kind": "pupils", "file": good}).content.decode()
    assert "3 added, 0 updated" in page
    assert AuditEvent.objects.filter(event_type="person_imported", actor=manager).count() == 3


def test_only_people_managers_can_import(teacher, client_for):
    assert client_for(teacher).get("/people/import/").status_code == 404
