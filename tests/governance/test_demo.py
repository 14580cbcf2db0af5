from esafety.governance.demo import load_demo_governance


def test_the_pack_can_be_made_for_the_demo_school(school):
    load_demo_governance(school)  # raises if any section cannot be built
