"""`esafety worker` processes sharing one queue, on the database (the default) and on a real
Redis: each task runs exactly once, and a task queued before its worker died runs on the next
worker. Nothing here measures time: the tests wait, with generous deadlines, for what the
workers leave behind."""

from __future__ import annotations

import pytest
from django_tasks.base import TaskResultStatus

from esafety.web import jobs
from tests.tasks import sample
from tests.tasks.conftest import ran, wait_for

# The workers are other processes: they see only what this test has committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["database", "redis"])
def workers(request, transactional_db, disposable_append_only_tables):
    return request.getfixturevalue(f"{request.param}_workers")


def finished(results) -> bool:
    for result in results:
        result.refresh()
    return all(result.is_finished for result in results)


def test_two_workers_share_the_queue_and_each_task_runs_once(workers, tmp_path):
    folder = str(tmp_path)
    held = sample.record_when_gate_opens.enqueue(folder, "held")
    workers.start("worker-a")
    wait_for((tmp_path / "started-held").exists, "worker a to take the held task")

    # Worker a is busy until the gate opens, so worker b runs all of these.
    first = [sample.record.enqueue(folder, f"first-{n}") for n in range(10)]
    workers.start("worker-b")
    wait_for(lambda: finished(first), "worker b to run the first tasks")
    assert {tuple(result.worker_ids) for result in first} == {("worker-b",)}

    # Both at work on one queue: forty more, each run once, by whichever worker took it.
    (tmp_path / "gate").touch()
    more = [sample.record.enqueue(folder, f"more-{n}") for n in range(40)]
    wait_for(lambda: finished([held, *more]), "the workers to run every task")
    everything = [held, *first, *more]
    assert [result.status for result in everything] == [TaskResultStatus.SUCCESSFUL] * 51
    assert held.worker_ids == ["worker-a"]
    assert all(len(result.worker_ids) == 1 for result in everything)
    assert ran(tmp_path) == {tag: 1 for tag in
                             ["held", *(f"first-{n}" for n in range(10)),
                              *(f"more-{n}" for n in range(40))]}


def test_a_task_queued_before_its_worker_died_runs_on_the_next_worker(workers, tmp_path):
    folder = str(tmp_path)
    sample.record_when_gate_opens.enqueue(folder, "lost")  # the gate never opens
    first = workers.start("worker-a")
    wait_for((tmp_path / "started-lost").exists, "worker a to start its task")
    survivor = sample.record.enqueue(folder, "survivor")
    workers.kill(first)
    survivor.refresh()
    assert survivor.status == TaskResultStatus.READY and ran(tmp_path) == {}

    workers.start("worker-b")
    wait_for(lambda: finished([survivor]), "the new worker to run the waiting task")
    assert survivor.status == TaskResultStatus.SUCCESSFUL
    assert survivor.worker_ids == ["worker-b"]
    assert survivor.return_value == "survivor"
    assert ran(tmp_path) == {"survivor": 1}


def test_serve_and_the_demo_start_a_worker_that_runs_queued_tasks(database_workers, tmp_path,
                                                                  monkeypatch):
    for name, value in database_workers.env.items():
        monkeypatch.setenv(name, value)
    worker = jobs.start_worker_process()
    try:
        result = sample.record.enqueue(str(tmp_path), "from-the-web-app")
        wait_for(lambda: finished([result]), "the worker beside the web app to run it")
        assert result.status == TaskResultStatus.SUCCESSFUL
    finally:
        jobs.stop_worker_process(worker)
    assert worker.returncode is not None  # it stops with the web app


def test_a_worker_asked_to_stop_finishes_its_task_first(workers, tmp_path):
    folder = str(tmp_path)
    result = sample.record_when_gate_opens.enqueue(folder, "finish-me")
    worker = workers.start("worker-a")
    wait_for((tmp_path / "started-finish-me").exists, "the worker to start its task")
    worker.terminate()  # what `esafety serve` does on its way out, and systemd's stop
    (tmp_path / "gate").touch()
    wait_for(lambda: worker.poll() is not None, "the worker to stop")
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert ran(tmp_path) == {"finish-me": 1}
