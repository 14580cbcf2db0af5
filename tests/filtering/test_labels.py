"""Category names in plain English on every page, email and the block page
(`Drugs`, not `drogue`; `Aggressive or hateful`, not `agressif`)."""

import importlib
import re
import time
from html import unescape
from pathlib import Path

import pytest
from django.apps import apps
from django.core import mail
from django.test import Client

from esafety.directory import roles
from esafety.filtering import actions
from esafety.filtering.models import Category, FilteringSettings
from esafety.filtering.rules import SAMPLE_LISTS, default_label, defaults, rule_label

UT1 = Path(__file__).resolve().parents[3] / "shared" / "data" / "urls" / "ut1"
# The French (or terse) folder names that must never be shown as they are.
RAW = ("drogue", "agressif", "liste_blanche", "social_networks", "audio-video")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_the_label_table_names_every_sample_and_ut1_category_in_plain_english():
    names = {p.name for p in SAMPLE_LISTS.iterdir() if p.name != "README.md"}
    if UT1.is_dir():
        names |= {p.name for p in UT1.iterdir() if not p.name.endswith((".pdf", ".md"))}
    table = set(defaults()["categories"]) | set(defaults()["aliases"])
    assert names - table == set()
    assert (default_label("drogue"), default_label("agressif"),
            default_label("liste_blanche")) == ("Drugs", "Aggressive or hateful",
                                                "Approved sites")
    assert (default_label("drugs"), default_label("porn"), default_label("proxy")) == (
        "Drugs", "Pornography", "Proxies and redirectors")
    assert default_label("examen_pix") == "Sites closed during online exams"
    assert default_label("something_new") == "Something new"
    assert rule_label("group-policy") == "The group's rules"


@pytest.fixture
def attempts(imported, school, pupil):
    now = time.time()
    records = [{"t": now - i, "user": "pupil", "url": "http://cannabis.example/",
                "action": "block", "category": "drogue", "group": "ks3",
                "rule": "group-policy"} for i in range(6)]
    return actions.decisions_ingest(school=school, records=records)


def test_the_attempts_and_alerts_pages_show_labels_not_folder_names(attempts, client_for, dsl):
    for url in ("/filtering/attempts/", "/filtering/alerts/"):
        text = visible_text(client_for(dsl).get(url).content.decode())
        assert "Drugs" in text, url
        assert not any(re.search(rf"\b{raw}\b", text) for raw in RAW), (url, text)
    attempts_text = visible_text(client_for(dsl).get("/filtering/attempts/").content.decode())
    assert "The group's rules" in attempts_text and "group-policy" not in attempts_text


def test_the_alert_email_names_the_category_in_plain_english(school, imported, pupil,
                                                             make_person,
                                                             django_capture_on_commit_callbacks):
    make_person(roles.ONLINE_SAFETY_LEAD, username="osl2")
    with django_capture_on_commit_callbacks(execute=True):
        actions.decisions_ingest(school=school, records=[
            {"t": time.time() - i, "user": "pupil", "url": "http://cannabis.example/",
             "action": "block", "category": "agressif", "group": "ks3", "rule": "group-policy"}
            for i in range(6)])
    [sent] = mail.outbox
    assert "Aggressive or hateful" in sent.body and "agressif" not in sent.body


def test_the_wrong_block_reports_page_and_email_show_labels(imported, client_for, pupil,
                                                            it_manager):
    actions.wrong_block_report(actor=pupil, url="http://cannabis.example/info",
                               category="drogue", rule="group-policy")
    text = visible_text(client_for(it_manager).get("/filtering/reports/").content.decode())
    assert "Drugs" in text and "drogue" not in text


def test_the_block_page_shows_the_label_even_for_a_category_the_school_lacks(imported):
    page = Client().get("/filtering/blocked/?school=riverside&url=http%3A//x.example/"
                        "&category=agressif&rule=group-policy&group=ks3").content.decode()
    text = visible_text(page)
    assert "Aggressive or hateful" in text and "agressif" not in text


def test_the_try_an_address_page_shows_labels(imported, client_for, it_manager, pupil):
    text = visible_text(client_for(it_manager).get(
        "/filtering/policy/try/?url=http://www.facebook.com/&username=pupil").content.decode())
    assert "Social networks" in text and "social_networks" not in text
    assert "Key Stage 3" in text


def test_the_policy_page_shows_labels_only(imported, client_for, it_manager):
    text = visible_text(client_for(it_manager).get("/filtering/policy/").content.decode())
    assert "Drugs" in text and "Aggressive or hateful" in text
    assert not any(re.search(rf"(?<![\w/]){raw}(?![\w/])", text) for raw in RAW)


def test_the_upgrade_relabels_default_labels_and_keeps_the_schools_own(school):
    made = Category.objects.create(school=school, name="examen_pix", label="Examen pix")
    old = Category.objects.create(school=school, name="agressif", label="Hate and violence")
    own = Category.objects.create(school=school, name="drogue", label="Drugs and alcohol")
    migration = importlib.import_module(
        "esafety.filtering.migrations.0002_paths_suspensions_labels")
    migration.plain_labels(apps, None)
    labels = dict(Category.objects.filter(pk__in=[made.pk, old.pk, own.pk])
                  .values_list("name", "label"))
    assert labels == {"examen_pix": "Sites closed during online exams",
                      "agressif": "Aggressive or hateful", "drogue": "Drugs and alcohol"}
    assert FilteringSettings.objects.count() == 0


@pytest.mark.parametrize("rule, group, words", [
    ("access-ended", "staff", "003 \u00a75.9"),
    ("access-ended", "ks3", "Your account for the school internet has stopped"),
    ("unknown-person", "", "not one the school has on record"),
])
def test_the_block_page_explains_an_account_the_filter_refuses(client, school, rule, group,
                                                                words):
    page = client.get("/filtering/blocked/", {"school": school.slug, "rule": rule,
                                              "group": group, "url": "http://bbc.co.uk/"})
    text = page.content.decode()
    assert page.status_code == 403 and words in text  # the block page says "forbidden"
    assert "Blocked by the school\u2019s filtering policy" not in text
    assert "Ask to unblock" not in text and "Report a wrong block" not in text
    assert "0800 1111" in text
