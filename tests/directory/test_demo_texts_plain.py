"""The demo's agreements for pupils and parents are written plainly at the source: no policy
codes such as "(004 §3.1)" (pupil and parent pages also filter them, as a second guard);
the staff agreement keeps its clauses."""

import pytest

from esafety.directory.demo import TEXTS
from esafety.policies.plain import without_policy_codes
from tests.policies.test_plain_words import POLICY_CODE

PLAIN_AUDIENCES = sorted(p.name for p in TEXTS.glob("*.txt")
                         if p.name == "parents.txt" or p.name.startswith("pupils_"))


def test_every_pupil_key_stage_and_parents_are_checked():
    assert PLAIN_AUDIENCES == ["parents.txt", "pupils_ks1.txt", "pupils_ks2.txt",
                               "pupils_ks3.txt", "pupils_ks4.txt", "pupils_ks5.txt"]


@pytest.mark.parametrize("name", PLAIN_AUDIENCES)
def test_pupil_and_parent_agreements_have_no_policy_codes(name):
    text = (TEXTS / name).read_text(encoding="utf-8")
    assert POLICY_CODE.findall(text) == [], name
    assert without_policy_codes(text) == text, name


def test_the_staff_agreement_keeps_its_clauses():
    assert POLICY_CODE.search((TEXTS / "staff.txt").read_text(encoding="utf-8"))
