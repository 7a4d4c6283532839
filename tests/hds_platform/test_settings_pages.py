"""Settings pages (members, invitations, API tokens) and the audit log page."""

import re
from html import unescape

from django.core import mail

from hds_platform import audit, services
from hds_platform.audit import Actor
from hds_platform.models import ApiToken, AuditEvent, Invitation, Membership


def url(tenant, path):
    return f"/o/{tenant.organisation.slug}/{path}"


def text(response) -> str:
    return unescape(response.content.decode())


def test_settings_open_on_members_for_an_admin(client, tenant):
    client.force_login(tenant.members["admin"])
    response = client.get(url(tenant, "parametres/"))
    assert response["Location"] == url(tenant, "parametres/membres/")
    page = text(client.get(response["Location"]))
    emails = re.findall(r"<td>([a-z]+@tilleuls\.example)", page)
    assert emails == sorted(["owner@tilleuls.example", "admin@tilleuls.example", "editor@tilleuls.example",
                             "viewer@tilleuls.example", "auditor@tilleuls.example"])
    # An admin cannot hand out ownership: the owner's role is shown, not offered.
    assert '<option value="owner"' not in page


def test_inviting_someone_sends_the_link_and_shows_it_once(client, tenant, django_capture_on_commit_callbacks):
    client.force_login(tenant.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(tenant, "parametres/membres/"), {"email": "Nouvelle@Example.org", "role": "editor"})
    assert response.status_code == 200
    page = text(response)
    link = re.search(r'<code class="secret">(http://testserver/invitations/[\w-]+/)</code>', page).group(1)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nouvelle@example.org"]
    assert link.removeprefix("http://testserver") in mail.outbox[0].body
    assert "Invitation envoyée à nouvelle@example.org." in page
    with tenant.context():
        invitation = Invitation.objects.get()
        assert (invitation.email, invitation.role) == ("nouvelle@example.org", "editor")
    assert link not in text(client.get(url(tenant, "parametres/membres/")))


def test_invitation_errors_and_ownership(client, tenant):
    client.force_login(tenant.members["admin"])
    response = client.post(url(tenant, "parametres/membres/"), {"email": "pas-une-adresse", "role": "editor"})
    assert response.status_code == 400
    assert re.search(r'id="id_email_error"><li>Saisissez une adresse e-mail valide\.', text(response))
    response = client.post(url(tenant, "parametres/membres/"), {"email": "editor@tilleuls.example", "role": "viewer"})
    assert "editor@tilleuls.example est déjà membre de l'organisation." in text(response)
    response = client.post(url(tenant, "parametres/membres/"), {"email": "x@example.org", "role": "owner"})
    assert response.status_code == 403
    with tenant.context():
        assert Invitation.objects.count() == 0


def test_revoking_an_invitation(client, tenant):
    with tenant.context():
        invitation, _raw = services.invitation_create(email="a@example.org", role="viewer",
                                                      actor=Actor.for_user(tenant.owner))
    client.force_login(tenant.owner)
    response = client.post(url(tenant, f"parametres/invitations/{invitation.pk}/annuler/"))
    assert response["Location"] == url(tenant, "parametres/membres/")
    with tenant.context():
        invitation.refresh_from_db()
        assert invitation.status == "revoked"
    assert "Aucune invitation en attente." in text(client.get(response["Location"]))


def test_changing_a_role_and_removing_a_member(client, tenant):
    client.force_login(tenant.owner)
    with tenant.context():
        editor = Membership.objects.get(user=tenant.members["editor"])
        viewer = Membership.objects.get(user=tenant.members["viewer"])
    response = client.post(url(tenant, f"parametres/membres/{editor.pk}/role/"), {f"m{editor.pk}-role": "viewer"})
    assert "Rôle de editor@tilleuls.example : Lecteur." in text(client.get(response["Location"]))
    client.post(url(tenant, f"parametres/membres/{viewer.pk}/retirer/"))
    with tenant.context():
        editor.refresh_from_db()
        assert editor.role == "viewer"
        assert not Membership.objects.filter(pk=viewer.pk).exists()
        assert AuditEvent.objects.order_by("-seq").first().action == "membership.removed"


def test_the_last_owner_stays_and_an_admin_cannot_touch_owners(client, tenant):
    with tenant.context():
        owner = Membership.objects.get(user=tenant.owner)
    client.force_login(tenant.owner)
    response = client.post(url(tenant, f"parametres/membres/{owner.pk}/role/"), {f"m{owner.pk}-role": "admin"})
    assert "L'organisation doit garder au moins un propriétaire." in text(client.get(response["Location"]))
    client.force_login(tenant.members["admin"])
    assert client.post(url(tenant, f"parametres/membres/{owner.pk}/role/"),
                       {f"m{owner.pk}-role": "viewer"}).status_code == 403
    assert client.post(url(tenant, f"parametres/membres/{owner.pk}/retirer/")).status_code == 403
    with tenant.context():
        owner.refresh_from_db()
        assert owner.role == "owner"


def test_an_api_token_is_shown_once_and_works(client, tenant):
    client.force_login(tenant.owner)
    response = client.post(url(tenant, "parametres/jetons/"), {"name": "Logiciel du cabinet", "scope": "read",
                                                               "expires_on": "2099-12-31"})
    # Post/Redirect/Get: the token waits in the session for the page after the redirect.
    assert (response.status_code, response["Location"]) == (302, url(tenant, "parametres/jetons/"))
    shown = client.get(response["Location"])
    assert shown.status_code == 200
    raw = re.search(r'<code class="secret" id="new-token">([^<]+)</code>', text(shown)).group(1)
    with tenant.context():
        token = ApiToken.objects.get()
        assert (token.name, token.scope, token.expires_at.date().isoformat()) == (
            "Logiciel du cabinet", "read", "2099-12-31")
    assert raw.startswith(f"mln_{token.prefix}_")
    assert raw not in text(client.get(url(tenant, "parametres/jetons/")))  # a refresh: gone
    api = client.__class__()
    answer = api.get(f"/api/v1/orgs/{tenant.organisation.slug}/members/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert answer.status_code == 200
    client.post(url(tenant, f"parametres/jetons/{token.pk}/revoquer/"))
    assert api.get(f"/api/v1/orgs/{tenant.organisation.slug}/members/",
                   HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_token_form_errors(client, tenant):
    client.force_login(tenant.owner)
    response = client.post(url(tenant, "parametres/jetons/"), {"name": "", "scope": "admin"})
    assert response.status_code == 400
    page = text(response)
    assert re.search(r'id="id_name_error"><li>Ce champ est obligatoire\.', page)
    assert re.search(r'id="id_scope_error"><li>Sélectionnez un choix valide\.', page)
    response = client.post(url(tenant, "parametres/jetons/"), {"name": "vieux", "scope": "read",
                                                               "expires_on": "2000-01-01"})
    assert re.search(r'id="id_expires_on_error"><li>La date d.expiration doit être dans le futur\.', text(response))
    with tenant.context():
        assert ApiToken.objects.count() == 0


def test_the_audit_log_is_paginated_newest_first(client, tenant):
    with tenant.context():
        for i in range(60):
            audit.record(organisation=tenant.organisation, actor=Actor.for_user(tenant.owner),
                         action="api_token.created", changes={"name": f"t{i}"})
        head = AuditEvent.objects.order_by("-seq").first().seq
    client.force_login(tenant.members["auditor"])
    page = text(client.get(url(tenant, "journal/")))
    seqs = [int(n) for n in re.findall(r'<tr data-action="[\w.]+"><td class="num">(\d+)</td>', page)]
    assert seqs == list(range(head, head - 50, -1))
    assert f"Page 1 sur {(head + 49) // 50}" in page
    page = text(client.get(url(tenant, "journal/?page=2")))
    assert next(int(n) for n in re.findall(r'<tr data-action="[\w.]+"><td class="num">(\d+)</td>', page)) == head - 50
