from django.core.management import call_command

from hds_platform import demo


def test_login_page_renders_in_french(client, db):
    response = client.get("/connexion/")
    assert response.status_code == 200
    assert "<h1>Connexion</h1>" in response.content.decode()


def test_demo_owner_logs_in_and_sees_the_dashboard(client, db):
    call_command("load_demo")
    response = client.post("/connexion/", {"username": demo.DEMO_OWNER, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    response = client.get("/", follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Cabinet du Dr Durand</h1>" in page
    assert page.count('<option value="/o/') == 4


def test_load_demo_is_idempotent(db):
    call_command("load_demo")
    call_command("load_demo")
    from hds_platform.models import Organisation

    assert Organisation.objects.count() == 4


def test_dashboard_of_another_organisation_is_404(client, tenant, other_tenant):
    client.force_login(other_tenant.owner)
    assert client.get(f"/o/{tenant.organisation.slug}/").status_code == 404
    assert client.get("/o/nope/").status_code == 404


def test_anonymous_is_sent_to_login(client, tenant):
    response = client.get(f"/o/{tenant.organisation.slug}/")
    assert response.status_code == 302
    assert response["Location"] == f"/connexion/?next=/o/{tenant.organisation.slug}/"


def test_switching_to_english(client, tenant):
    client.force_login(tenant.owner)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/o/{tenant.organisation.slug}/").content.decode()
    assert "Log out" in page
    assert '<html lang="en">' in page
