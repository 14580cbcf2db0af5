"""The pack's sections from the other areas' records: the DfE standards (status, checks,
the annual review), training, consent and devices; "not recorded yet" when an area is
missing, and one failing area never spoils the rest."""

import datetime

import pytest
from django.utils import timezone

from esafety.directory import roles
from esafety.governance import pack as packs
from esafety.governance.pack import NOT_RECORDED, build_pack
from esafety.standards import actions as standards


@pytest.fixture
def governor(make_person):
    return make_person(roles.GOVERNOR, username="chair", first_name="Gita", last_name="Chair")


def _pack(school):
    end = timezone.localdate()
    return build_pack(school=school, start=end - datetime.timedelta(days=90), end=end)


def _section(pack, key):
    return next(s for s in pack.sections if s.key == key)


def test_the_standards_status_and_check_log_are_in_the_pack(school, headteacher, governor):
    now = timezone.now()
    for passed in (True, False):
        standards.check_record(actor=headteacher, school=school, kind="manual", at=now,
                               what_was_tested="A known gambling address from a Year 8 laptop",
                               passed=passed, result="Blocked" if passed else "Not blocked",
                               action_taken="" if passed else "Reported to the IT provider")
    standards.review_record(actor=headteacher, school=school,
                            held_on=timezone.localdate() - datetime.timedelta(days=10),
                            governor=governor, led_by=headteacher, who_took_part="Head, DSL",
                            findings="Filtering fit for purpose.")
    pack = _pack(school)
    checks = next(t for t in _section(pack, "filtering").tables
                  if t.title == "Filtering and monitoring checks")
    assert dict(checks.rows)["Filtering checked by staff"] == 2
    assert dict(checks.rows)["Checks that found a problem"] == 1
    assert dict(checks.shown_rows)["Filtering checked by staff"] == "fewer than 5"
    standards_section = _section(pack, "standards")
    assert not standards_section.missing
    assert any(line.startswith("Filtering and monitoring are reviewed at least every year: Met")
               for line in standards_section.lines)
    reviews = _section(pack, "reviews").lines
    assert any("last held" in line for line in reviews)


@pytest.mark.parametrize("key", ["training", "consent", "devices"])
def test_the_other_areas_summaries_are_read(school, key):
    section = _section(_pack(school), key)
    assert section.missing == "" and section.tables


def test_an_area_not_built_says_not_recorded_yet(school, monkeypatch):
    real = packs.importlib.import_module

    def without_training(name, *args):
        if name == "esafety.training.selectors":
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(packs.importlib, "import_module", without_training)
    assert _section(_pack(school), "training").missing == NOT_RECORDED


def test_a_failing_area_leaves_the_rest_of_the_pack(school, monkeypatch):
    from esafety.devices import selectors

    def broken(school):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "exceptions_summary", broken)
    pack = _pack(school)
    assert _section(pack, "devices").missing.startswith("Could not be read")
    assert _section(pack, "consent").tables


def test_agreements_by_audience_and_reviews_due(school, headteacher, make_person):
    from esafety.policies import actions as policies

    document = policies.policy_document_create(actor=headteacher, school=school,
                                               title="Staff acceptable use", audience="staff")
    today = timezone.localdate()
    version = policies.policy_publish(actor=headteacher, document=document, number="1",
                                      text="Use school systems responsibly.",
                                      approved_by="Governing body", approved_on=today,
                                      review_due=today + datetime.timedelta(days=10))
    staff = [make_person(roles.TEACHER, username=f"t{n}") for n in range(6)]
    for person in staff:
        policies.acceptance_record(actor=person, person=person, version=version,
                                   decision="accepted")
    section = _section(_pack(school), "aup")
    accepted = dict(next(t for t in section.tables if t.title == "Accepted").rows)
    assert accepted["Staff and governors"] == 6
    # The headteacher has not answered: one missing, so no percentage that would tell it.
    assert not any("%" in line for line in section.lines)
    reviews = _section(_pack(school), "reviews").lines
    assert any(line.startswith("Staff acceptable use: due") for line in reviews)


def test_consent_purposes_are_in_words(school):
    labels = [label for table in _section(_pack(school), "consent").tables
              for label, _ in table.rows]
    assert "Pupils without consent: photographs on the school website" in labels
