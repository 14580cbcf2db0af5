"""The "Check a message" page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from esafety.directory import roles
from tests.engine_messages.mail import make_mail

URL = "/checks/"


def test_the_url_name_is_checks_check():
    assert reverse("checks:check") == URL


def test_teacher_sees_the_form(client_for, teacher):
    response = client_for(teacher).get(URL)
    assert response.status_code == 200
    assert b"Check this message" in response.content


def test_teacher_pasting_swearing_sees_the_rule_clause_and_excerpt(client_for, teacher):
    response = client_for(teacher).post(URL, {
        "message": "Honestly this sh1t rota is a joke.", "direction": "sending"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Verdict: <span class=\"badge warn\">WARN</span>" in body
    assert "Swearing or obscene language" in body
    assert "sh1t" in body
    assert "004 §2.1.3" in body


def test_uploaded_email_uses_the_schools_directory(client_for, teacher, parent, make_person):
    other = make_person(roles.PARENT, email="lee.jones@example.org")
    raw = make_mail(sender=f"Tom Teach <{teacher.email}>", to=[parent.email, other.email],
                    subject="Trip", body="Dear parents, the trip is on Friday.")
    response = client_for(teacher).post(URL, {
        "upload": SimpleUploadedFile("trip.eml", raw, "message/rfc822"), "direction": "sending"})
    body = response.content.decode()
    assert "Parents&#x27; addresses visible to each other" in body
    assert parent.email in body


def test_pasted_headers_are_checked_as_a_whole_email(client_for, teacher):
    raw = make_mail(to=["a@example.com"], subject="x",
                    attachments=[("setup.exe", b"MZ", "application/octet-stream")])
    response = client_for(teacher).post(URL, {"message": raw.decode(), "direction": "received"})
    assert "Attachment that can run code" in response.content.decode()


def test_a_clean_message_is_fine_to_send(client_for, teacher):
    response = client_for(teacher).post(URL, {"message": "See you at 3pm in the hall.",
                                              "direction": "sending"})
    assert "It is fine to send" in response.content.decode()


@pytest.mark.parametrize("data", [{}, {"message": "   ", "direction": "sending"}])
def test_an_empty_form_explains_itself_and_never_fails(client_for, teacher, data):
    response = client_for(teacher).post(URL, data)
    assert response.status_code == 200
    assert "Paste a message or upload an email" in response.content.decode()


def test_an_empty_upload_is_refused_politely(client_for, teacher):
    response = client_for(teacher).post(URL, {
        "upload": SimpleUploadedFile("e.eml", b"\n", "message/rfc822"), "direction": "sending"})
    assert response.status_code == 200
    assert "That file is empty" in response.content.decode()


@pytest.mark.parametrize("persona", ["parent", "governor"])
def test_parents_and_governors_get_404(client_for, request, make_person, persona):
    person = make_person(roles.GOVERNOR) if persona == "governor" else \
        request.getfixturevalue(persona)
    assert client_for(person).get(URL).status_code == 404
    assert client_for(person).post(URL, {"message": "hi"}).status_code == 404


def test_a_pupil_checks_a_message_in_plain_words_without_policy_codes(client_for, pupil):
    page = client_for(pupil).get(URL)
    assert page.status_code == 200
    assert "the person who looks after safety at school" in " ".join(
        page.content.decode().split())
    body = client_for(pupil).post(URL, {
        "message": "YOU ARE ALL USELESS IDIOTS AND I HATE THIS STUPID PLACE",
        "direction": "sending"}).content.decode()
    assert "Abusive or insulting language" in body
    for code in ("004 §", "000 §", "Appendix I", "content.abuse", "severity",
                 "incident log", "designated safeguarding lead"):
        assert code not in body


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_outsider_checks_against_their_own_school_only(client_for, outsider, make_person,
                                                       school):
    # Two Sam Smiths in this school must not leak into another school's check.
    make_person(roles.TEACHER, first_name="Sam", last_name="Smith")
    make_person(roles.SUPPORT_STAFF, first_name="Sam", last_name="Smith")
    raw = make_mail(sender=f"Otto <{outsider.email}>",
                    to=["Sam Smith <sam.smith@hollinspark.sch.uk>"], body="Hi Sam")
    response = client_for(outsider).post(URL, {
        "upload": SimpleUploadedFile("m.eml", raw, "message/rfc822"), "direction": "sending"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Recipient name shared" not in body


def test_a_received_list_post_says_it_was_read_as_bulk_mail(client_for, teacher):
    raw = make_mail(sender="Aoife <aoife@example.ie>", to=["linux-users@lists.example.org"],
                    subject="Re: [linux-users] wifi",
                    body="I spent a week fucking around with the driver. Cheers, Aoife\n",
                    headers={"List-Id": "<linux-users.lists.example.org>"})
    response = client_for(teacher).post(URL, {"message": raw.decode(), "direction": "received"})
    text = response.content.decode()
    assert "Read as: bulk mail from outside: mailing list (List-Id" in text
    assert "No rule applies to this message. Nothing in it needs reporting." in text


DRAFT = ("Dear parents,\n\nOliver Bennett had an asthma attack at lunch today; he is fine now. "
         "As he is on the child protection register, please keep this to yourselves. If you "
         "need me this evening, call my mobile on 07700 900123.\n\nMs Jones")


def test_the_page_asks_who_a_pasted_draft_is_going_to(client_for, teacher):
    body = client_for(teacher).get(URL).content.decode()
    assert "Who is it going to?" in body
    for label in ("Parents or carers", "Pupils", "Staff in the school",
                  "Someone outside the school"):
        assert label in body
    assert "checked as if it goes outside the school" in body


@pytest.mark.parametrize("audience", ["", "parents"])
def test_a_draft_to_parents_without_headers_is_held(client_for, teacher, audience):
    response = client_for(teacher).post(URL, {"message": DRAFT, "direction": "sending",
                                              "audience": audience})
    body = response.content.decode()
    assert 'Verdict: <span class="badge bad">HOLD</span>' in body
    assert "Personal contact details given to a pupil or parent" in body
    assert "Sensitive information about pupils sent outside the school" in body


def test_a_draft_to_staff_is_not_held_for_parents_rules(client_for, teacher):
    response = client_for(teacher).post(URL, {"message": DRAFT, "direction": "sending",
                                              "audience": "staff"})
    body = response.content.decode()
    assert "Personal contact details" not in body and "HOLD" not in body
    assert "going to staff in the school, as you said" in body


def test_a_made_up_audience_is_explained_not_a_500(client_for, teacher):
    response = client_for(teacher).post(URL, {"message": DRAFT, "direction": "sending",
                                              "audience": "martians"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_form_says_how_much_it_checks(client_for, teacher):
    body = client_for(teacher).get(URL).content.decode()
    assert "Up to 200,000 characters" in body and "up to 10 MB" in body


def test_a_paste_over_the_limit_is_refused_clearly(client_for, teacher):
    response = client_for(teacher).post(URL, {"message": "<script>" * 30_000,
                                              "direction": "received"})
    assert response.status_code == 200
    assert "That text is too long to check here: paste at most 200,000 characters" in \
        response.content.decode()


def test_an_upload_over_the_limit_is_refused_clearly(client_for, teacher):
    raw = b"From: a@example.com\nSubject: big\n\n" + b"x" * (10 * 1024 * 1024)
    response = client_for(teacher).post(URL, {
        "upload": SimpleUploadedFile("big.eml", raw, "message/rfc822"), "direction": "received"})
    assert response.status_code == 200
    assert "That file is too large to check here (10 MB at most)" in response.content.decode()


def test_a_hostile_html_email_is_checked_quickly_not_frozen(client_for, teacher):
    # 240 KB of unclosed <script> tags froze the page for 36 s (a quadratic regex).
    raw = (b"From: a@example.com\nTo: b@example.com\nSubject: x\nContent-Type: text/html\n\n"
           + b"<script>" * 30_000 + b" you absolute fucking twat")
    response = client_for(teacher).post(URL, {
        "upload": SimpleUploadedFile("h.eml", raw, "message/rfc822"), "direction": "received"})
    assert response.status_code == 200
    assert "Verdict:" in response.content.decode()


@pytest.mark.parametrize("persona,offered", [("pupil", True), ("teacher", True),
                                             ("parent", False), ("governor", False)])
def test_the_menu_offers_the_checker_to_exactly_those_who_may_use_it(
        client_for, request, make_person, persona, offered):
    # Pupils may check a message they received (a worrying one reaches the DSL), so the
    # menu must lead them there; parents and governors get 404, so no link either.
    person = make_person(roles.GOVERNOR) if persona == "governor" else \
        request.getfixturevalue(persona)
    home = client_for(person).get("/").content.decode()
    assert (f'href="{URL}"' in home) is offered
