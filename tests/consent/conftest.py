import pytest

from esafety.directory import roles


@pytest.fixture
def office(make_person):
    return make_person(roles.BUSINESS_MANAGER, username="office", first_name="Olive",
                       last_name="Office")
