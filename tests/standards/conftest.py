import pytest

from esafety.filtering import actions as filtering_actions
from esafety.filtering.rules import SAMPLE_LISTS


@pytest.fixture
def lists(settings, tmp_path, school, it_manager):
    """The sample category lists loaded, with the default rules for every group."""
    settings.DATA_DIR = tmp_path
    filtering_actions.lists_import(actor=it_manager, school=school, source=SAMPLE_LISTS)
    return school
