import io

import httpx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.models import CertifiedHost, Snapshot
from tests.registry.conftest import NOVEMBER, OCTOBER, SAMPLES, csv_list, row, sample


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("registry_import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args) -> tuple[CommandError, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("registry_import", *args, stdout=out, stderr=io.StringIO())
    return raised.value, out.getvalue()


def table(output: str) -> dict[str, str]:
    """The body rows of the rich summary table: first cell -> second cell."""
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in output.splitlines() if "│" in line]
    return {first: second for first, second in cells}


def test_import_prints_a_summary_of_the_changes(db):
    run(str(SAMPLES / OCTOBER))

    out, _err = run(str(SAMPLES / NOVEMBER))

    snapshot = Snapshot.objects.order_by("id").last()
    assert out.splitlines()[0].strip() == f"Import n° {snapshot.pk} : 301 lignes lues (csv)"
    assert table(out) == {
        "Hébergeur ajouté": "2",
        "Hébergeur retiré": "1",
        "Activités modifiées": "2",
        "Dates modifiées": "11",
        "Organisme certificateur modifié": "1",
        "Numéro, référentiel ou page de transparence modifiés": "11",
        "Hébergeur renommé": "0",
        "Hébergeurs listés": "301",
    }
    assert (snapshot.source, snapshot.actor_label) == (NOVEMBER, "command:registry_import")


def test_the_same_file_again_says_so(db):
    run(str(SAMPLES / OCTOBER))
    snapshot = Snapshot.objects.get()

    out, _err = run(str(SAMPLES / OCTOBER))

    assert out.strip() == (f"Fichier identique à la liste actuelle (import n° {snapshot.pk} du "
                           f"{snapshot.fetched_at:%d/%m/%Y %H:%M}) : rien n'a changé. 300 hébergeurs listés.")
    assert Snapshot.objects.count() == 1


def test_a_rejected_file_prints_the_reason_and_the_first_row_errors_and_exits_1(db, tmp_path):
    run(str(SAMPLES / OCTOBER))
    broken = tmp_path / "cassee.csv"
    broken.write_bytes(csv_list(*(row(f"Hébergeur {n}", activities="0") for n in range(25))))

    error, out = run_failing(str(broken))

    rejected = Snapshot.objects.get(status="rejected")
    lines = out.splitlines()
    assert (error.returncode, str(error)) == (1, "import rejeté : row_errors")
    assert lines[0] == (f"Fichier rejeté (import n° {rejected.pk}, row_errors) : 25 lignes illisibles : la liste "
                        "n'a pas été importée, corrigez le fichier ou attendez la prochaine publication.")
    assert lines[1:21] == [
        f"  ligne {line} : colonne « Activités » : activité 0 inconnue dans « 0 » (les activités HDS sont "
        "numérotées de 1 à 6)"
        for line in range(2, 22)
    ]
    assert lines[21:] == ["  … et 5 autres erreurs", "La liste actuelle (300 hébergeurs) est conservée."]
    assert CertifiedHost.objects.filter(listed=True).count() == 300


def test_the_allowed_share_of_removals_can_be_raised(db, tmp_path):
    run(str(SAMPLES / OCTOBER))
    short = tmp_path / "courte.csv"
    short.write_bytes(csv_list(row("Alpha", number="A-1")))

    error, out = run_failing(str(short))
    assert "too_many_removals" in str(error)

    out, _err = run(str(short), "--max-removed-share", "1")
    assert table(out)["Hébergeur retiré"] == "300"


@pytest.mark.parametrize("share", ["2", "-0.1", "beaucoup"])
def test_an_invalid_share_is_refused(db, share):
    error, _out = run_failing(str(SAMPLES / OCTOBER), "--max-removed-share", share)

    assert "--max-removed-share" in str(error)
    assert Snapshot.objects.count() == 0


def test_a_missing_file_is_an_error(db, tmp_path):
    error, _out = run_failing(str(tmp_path / "absent.csv"))

    assert str(error) == f"Lecture de {tmp_path / 'absent.csv'} impossible : No such file or directory"


def test_import_from_a_url_downloads_it_and_keeps_its_validators(db, mock_http):
    url = "https://esante.example/exports/hebergeurs.csv"
    mock_http(lambda request: httpx.Response(200, content=sample(OCTOBER), headers={"ETag": '"v1"'}))

    out, _err = run(url)

    snapshot = Snapshot.objects.get()
    assert (snapshot.source, snapshot.etag, snapshot.raw_file.name.rsplit("-", 1)[-1]) == (url, '"v1"',
                                                                                          "hebergeurs.csv")
    assert table(out)["Hébergeur ajouté"] == "300"
    assert [str(request.url) for request in mock_http.requests] == [url]


def test_a_url_that_fails_is_an_error_and_changes_nothing(db, mock_http):
    mock_http(lambda request: httpx.Response(404))

    error, _out = run_failing("https://esante.example/absent.csv")

    assert str(error) == "Le serveur a répondu 404 pour https://esante.example/absent.csv."
    assert Snapshot.objects.count() == 0
