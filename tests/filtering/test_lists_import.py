import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from esafety.audit.models import AuditEvent
from esafety.engine.urls.snapshot import load_snapshot
from esafety.errors import InvalidInput, NotAllowed
from esafety.filtering import actions, publish
from esafety.filtering.models import Category, CategoryEntries, GroupRule, ListImport
from esafety.filtering.rules import SAMPLE_LISTS


def test_importing_the_sample_lists_creates_categories_rules_and_a_published_snapshot(
        imported, school):
    adult = Category.objects.get(school=school, name="adult")
    assert (adult.label, adult.uk_sic, adult.statutory) == ("Pornography", "pornography", True)
    assert adult.aliases == ["porn"]
    assert GroupRule.objects.get(school=school, group="ks3",
                                 category__name="social_networks").action == "block"
    # Staff: personal social networks never by default (000 §2, 002); VPNs blocked.
    assert GroupRule.objects.get(school=school, group="staff",
                                 category__name="social_networks").action == "block"
    assert GroupRule.objects.get(school=school, group="ks2", category__name="vpn").action == "block"
    assert GroupRule.objects.get(school=school, group="staff",
                                 category__name="vpn").action == "block"
    lists = load_snapshot(publish.snapshot_dir(school) / "lists.snap")
    assert "social_networks" in lists.categories
    assert (publish.snapshot_dir(school) / "policy.json").exists()
    assert AuditEvent.objects.filter(event_type="filtering_lists_imported",
                                     school=school).count() == 1


def test_reimporting_replaces_a_category_and_leaves_the_others(imported, school, it_manager,
                                                             tmp_path, publishing):
    folder = tmp_path / "new"
    (folder / "games").mkdir(parents=True)
    (folder / "games" / "domains").write_text("# new list\r\nonlygame.example\r\nbad entry\r\n")
    with publishing():
        record = actions.lists_import(actor=it_manager, school=school, source=folder)
    assert (record.categories, record.domains, record.warning_count) == (1, 1, 1)
    assert CategoryEntries.objects.get(category__school=school,
                                       category__name="games").domains == "onlygame.example"
    assert "facebook.com" in CategoryEntries.objects.get(
        category__school=school, category__name="social_networks").domains
    lists = load_snapshot(publish.snapshot_dir(school) / "lists.snap")
    assert lists.host_mask("onlygame.example") == lists.mask_of(["games"])
    assert lists.host_mask("roblox.com") == 0


def test_a_folder_without_lists_is_refused_and_nothing_changes(school, it_manager, tmp_path):
    with pytest.raises(InvalidInput, match="no category folders"):
        actions.lists_import(actor=it_manager, school=school, source=tmp_path)
    with pytest.raises(InvalidInput, match="not a folder"):
        actions.lists_import(actor=it_manager, school=school, source=tmp_path / "missing")
    assert not ListImport.objects.exists()
    assert not Category.objects.exists()


def test_a_teacher_may_not_import_lists(school, teacher):
    with pytest.raises(NotAllowed):
        actions.lists_import(actor=teacher, school=school, source=SAMPLE_LISTS)


def test_the_lists_command_reports_what_it_read(school, capsys, it_manager):
    call_command("lists", "import", str(SAMPLE_LISTS), "--school", school.slug,
                 "--actor", it_manager.username)
    out = capsys.readouterr().out
    assert "Imported 21 categories into Hollins Park School: 243 domains, 7 URLs" in out
    assert "0 line(s) skipped" in out
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("lists", "import", "/nonexistent/lists", "--school", school.slug)
