"""User management: admins only; new users can log in, switched-off users cannot."""

from __future__ import annotations

from tests.dashboard.conftest import USERS, Dashboard, page_csrf
from workflows.users import all_users


def test_only_admins_manage_users(dashboard: Dashboard):
    assert dashboard.client().get("/users").status_code == 303
    for who in ("bureau", "garage"):
        client = dashboard.login(who)
        assert client.get("/users").status_code == 403
        assert client.post("/users", data={"csrf_token": page_csrf(client), "email": "x@y.example",
                                           "role": "admin", "password": "lang-genoeg-1"}).status_code == 403
        assert "/users" not in client.get("/queue").text
    assert 'href="/users"' in dashboard.login("admin").get("/queue").text


def test_an_admin_adds_an_employer_user_who_can_then_log_in(dashboard: Dashboard):
    admin = dashboard.login("admin")
    made = admin.post("/users", data={"csrf_token": page_csrf(admin, "/users"), "email": "Karin@GarageHoek.example",
                                      "role": "employer", "employer": "garage-hoek", "password": "een-lang-wachtwoord"})
    assert made.status_code == 303 and "notice=" in made.headers["location"]
    assert "karin" not in made.headers["location"].lower()  # no address in a URL
    assert "karin@garagehoek.example" in admin.get("/users").text
    from tests.dashboard.conftest import log_in

    client = dashboard.client()
    log_in(client, "karin@garagehoek.example", "een-lang-wachtwoord")
    assert "Atelier Noorderlicht" not in client.get("/queue?status=all").text


def test_bad_new_users_are_refused_with_a_reason(dashboard: Dashboard):
    admin = dashboard.login("admin")
    for form, reason in (({"email": "a@b.example", "role": "employer", "password": "een-lang-wachtwoord"},
                          "hoort bij een werkgever"),
                         ({"email": "a@b.example", "role": "bureau", "password": "kort"}, "minstens 10"),
                         ({"email": USERS["bureau"][0], "role": "bureau", "password": "een-lang-wachtwoord"},
                          "al een gebruiker")):
        answer = admin.post("/users", data={"csrf_token": page_csrf(admin, "/users"), **form})
        assert answer.status_code == 422 and "location" not in answer.headers
        assert reason in answer.text


def test_switching_a_user_off_ends_their_session(dashboard: Dashboard):
    garage = dashboard.login("garage")
    admin = dashboard.login("admin")
    target = next(u for u in all_users(dashboard.engine) if u.email == USERS["garage"][0])
    assert admin.post(f"/users/{target.id}/disable", data={"csrf_token": page_csrf(admin)}).status_code == 303
    assert garage.get("/queue").status_code == 303  # logged out at once
    me = next(u for u in all_users(dashboard.engine) if u.email == USERS["admin"][0])
    refused = admin.post(f"/users/{me.id}/disable", data={"csrf_token": page_csrf(admin)})
    assert "error=" in refused.headers["location"]
    assert admin.post(f"/users/{target.id}/enable", data={"csrf_token": "x"}).status_code == 403
    assert admin.post(f"/users/{target.id}/enable", data={"csrf_token": page_csrf(admin)}).status_code == 303
    assert dashboard.login("garage").get("/queue").status_code == 200
