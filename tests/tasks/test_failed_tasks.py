"""Tasks that failed are shown to the IT manager and the headteacher (what, when, the error's
first line, how many tries), each school's to that school only, on the database queue and on
a real Redis; their home page says when there are failures."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from esafety import tasks
from esafety.directory import roles
from tests.tasks import sample
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def failed_rows(page) -> str:
    html = page.content.decode()
    assert page.status_code == 200
    return html.split('id="failed-tasks"', 1)[1].split("<tbody>", 1)[1].split("</tbody>")[0] \
        if 'id="failed-tasks"' in html else ""


@pytest.fixture
def failures(disposable_append_only_tables, school, other_school, monkeypatch):
    """The filter's logs of both schools could not be loaded, and an install-wide task
    failed; the worker ran them all (in this process, on the database queue)."""
    def broken(*args, **kwargs):
        raise OSError("No space left on device\nwhile writing the spool")

    monkeypatch.setattr(tasks, "call_command", broken)
    tasks.ingest_filter_logs.enqueue(school.pk)
    tasks.ingest_filter_logs.enqueue(other_school.pk)
    sample.fail.enqueue("the history check could not read other-school's trail")
    call_command("worker", "--batch", verbosity=0)


def test_the_it_manager_sees_their_school_s_failed_tasks(failures, it_manager, client_for):
    rows = failed_rows(client_for(it_manager).get(reverse("notices:failed_tasks")))
    assert rows.count("<tr>") == 2
    assert "Load the filter&#x27;s logs" in rows
    assert "OSError: No space left on device" in rows and "while writing" not in rows
    assert "<td data-label=\"Tries\">1</td>" in rows
    # The install-wide failure is listed, without an error that may name another school.
    assert "Fail" in rows and "for the whole service" in rows
    assert "other-school" not in rows


def test_another_school_sees_only_its_own(failures, make_person, other_school, client_for):
    theirs = make_person(roles.IT_MANAGER, school=other_school, username="their-itm")
    rows = failed_rows(client_for(theirs).get(reverse("notices:failed_tasks")))
    assert rows.count("<tr>") == 2  # their school's ingest and the install-wide one
    assert {t.school_id for t in tasks.failed_tasks_for(other_school.pk)} == {
        other_school.pk, None}


def test_the_headteacher_sees_them_and_others_do_not(failures, headteacher, dsl, teacher,
                                                     outsider, client_for):
    assert failed_rows(client_for(headteacher).get(reverse("notices:failed_tasks")))
    for person in (dsl, teacher):
        assert client_for(person).get(reverse("notices:failed_tasks")).status_code == 404
    outside = failed_rows(client_for(outsider).get(reverse("notices:failed_tasks")))
    assert "No space left" in outside and outside.count("<tr>") == 2  # their own school's


def test_home_says_when_tasks_have_failed(failures, it_manager, headteacher, dsl, client_for):
    for person in (it_manager, headteacher):
        home = client_for(person).get("/").content.decode()
        assert "2 background tasks failed in the last 30 days." in home
        assert reverse("notices:failed_tasks") in home
    assert "background task" not in client_for(dsl).get("/").content.decode()


def test_a_single_school_sees_the_install_s_errors_too(
        disposable_append_only_tables, it_manager, client_for):
    sample.fail.enqueue("the history check could not run")
    call_command("worker", "--batch", verbosity=0)
    rows = failed_rows(client_for(it_manager).get(reverse("notices:failed_tasks")))
    assert "ValueError: the history check could not run" in rows
    home = client_for(it_manager).get("/").content.decode()
    assert "1 background task failed in the last 30 days." in home


def test_nothing_failed_says_so(disposable_append_only_tables, it_manager, client_for):
    page = client_for(it_manager).get(reverse("notices:failed_tasks"))
    assert "No background task has failed." in page.content.decode()
    assert "background task" not in client_for(it_manager).get("/").content.decode()


def test_a_task_that_failed_on_redis_is_shown(redis_workers, it_manager, client_for):
    result = sample.fail.enqueue("Redis said no\nmore detail")
    redis_workers.start("worker-a")

    def finished() -> bool:
        result.refresh()
        return result.is_finished

    wait_for(finished, "the worker to run the failing task")
    [failure] = tasks.failed_tasks()
    assert (failure.error, failure.tries, failure.school_id) == (
        "ValueError: Redis said no", 1, None)
    rows = failed_rows(client_for(it_manager).get(reverse("notices:failed_tasks")))
    assert "ValueError: Redis said no" in rows
