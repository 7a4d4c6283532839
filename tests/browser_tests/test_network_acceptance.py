"""A client accepts a hosting company's invitation in Chromium: with no account, on a phone (390 px)
and on a desktop, a bad SIREN first, then its organisation is created and linked."""

import pytest

from compliance.models import Certificate, ClientLink
from hds_platform.models import Organisation
from hds_platform.tenancy import organisation_context
from tests.browser import screenshot
from tests.compliance.network_builders import CLIENT_SIREN, host_organisation, hosting_offer, invite

pytestmark = pytest.mark.browser


def _fits(page, width: int) -> None:
    fits = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert fits[0] <= fits[1] == width, fits


@pytest.mark.parametrize("width", [390, 1280], ids=["phone", "desktop"])
def test_a_person_with_no_account_accepts_and_links_the_client_organisation(page, transactional_db, media, width):
    host = hosting_offer(host_organisation())
    token = invite(host)
    page.set_viewport_size({"width": width, "height": 844})

    page.goto(f"/reseau/invitations/{token}/")

    assert page.get_by_role("heading", level=1).inner_text() == "Hébergeur Azur vous invite sur Maillon"
    assert page.get_by_label("Nom de votre organisation").input_value() == "Clinique du Nord"
    assert page.get_by_label("SIREN").input_value() == CLIENT_SIREN
    _fits(page, width)
    assert screenshot(page, f"network-acceptance-{width}").stat().st_size > 10_000

    page.get_by_label("Mot de passe").fill("Un mot de passe solide 42!")
    page.get_by_label("SIREN").fill("552100555")
    with page.expect_navigation():
        page.get_by_role("button", name="Créer mon compte et accepter").click()
    assert "552100555 n'est pas un SIREN valide" in page.get_by_role("alert").inner_text()
    assert not Organisation.objects.filter(name="Clinique du Nord").exists()
    _fits(page, width)
    screenshot(page, f"network-acceptance-refused-{width}")

    page.get_by_label("Mot de passe").fill("Un mot de passe solide 42!")
    page.get_by_label("SIREN").fill(CLIENT_SIREN)
    with page.expect_navigation():
        page.get_by_role("button", name="Créer mon compte et accepter").click()

    client = Organisation.objects.get(name="Clinique du Nord")
    assert page.url.endswith(f"/o/{client.slug}/reseau/prestataires/")
    assert page.get_by_role("heading", level=2, name="Hébergeur Azur").is_visible()
    assert page.get_by_label("Hébergeur Azur peut voir le statut de conformité de mes traitements qui reposent "
                             "sur lui").is_checked() is False
    _fits(page, width)
    screenshot(page, f"network-providers-{width}")
    with organisation_context(client):
        assert Certificate.objects.get().source == "provider"
    assert ClientLink.all_organisations.get().client_organisation_id == client.pk
