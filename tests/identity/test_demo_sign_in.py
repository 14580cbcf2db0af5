"""The demo school: its leaders' printed logins work without an authenticator app, and the IT
manager's page says plainly that two-factor sign-in is off, and why."""

from django.core.management import call_command

from esafety.directory import demo
from esafety.identity.models import SchoolSignIn


def test_demo_leaders_sign_in_without_a_code_and_the_page_says_why(db, client, capsys):
    call_command("demo", "--no-serve", "--pupils", "20")
    out = capsys.readouterr().out
    assert "Two-factor sign-in is switched off for the demo school" in out
    sign_in = SchoolSignIn.objects.get(school__slug=demo.DEMO_SLUG)
    assert sign_in.two_factor_for_leaders is False
    for username in ("head", "dsl", "itm"):
        client.post("/sign-in/", {"username": username, "password": demo.DEMO_PASSWORD})
        assert client.get("/").status_code == 200, username
        if username != "itm":
            client.post("/sign-out/")
    page = client.get("/sign-in/settings/").content.decode()
    assert "Two-factor sign-in is off" in page and "Demo school" in page
