"""``manage.py registry_import PATH_OR_URL``: import a published ANS list now, and show what changed."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TransferSpeedColumn
from rich.table import Table

from registry import http
from registry.importing import registry_import
from registry.models import Change

SHOWN_ROW_ERRORS = 20

PHASES = {
    "parse": "Lecture du fichier",
    "compare": "Comparaison avec la liste actuelle",
    "write": "Écriture de la nouvelle liste",
}


def _share(value: str) -> float:
    share = float(value)
    if not 0 <= share <= 1:
        raise ValueError(value)
    return share


class Command(BaseCommand):
    help = (
        "Importe la liste officielle des hébergeurs certifiés depuis un fichier (CSV, XLSX, JSON) ou une URL, "
        "puis affiche les changements. Sort avec le code 1 si le fichier est rejeté."
    )

    def add_arguments(self, parser):
        parser.add_argument("path_or_url", help="Chemin d'un fichier, ou URL http(s)")
        parser.add_argument(
            "--max-removed-share", type=_share, default=None,
            help="Part maximale d'hébergeurs retirés acceptée, entre 0 et 1 "
                 f"(par défaut {settings.REGISTRY_MAX_REMOVED_SHARE})",
        )

    def handle(self, *args, path_or_url, max_removed_share, **options):
        out = Console(file=self.stdout, width=110, highlight=False, soft_wrap=True)
        progress_console = Console(file=self.stderr, width=110)
        validators = {}
        if path_or_url.startswith(("http://", "https://")):
            download = self._download(path_or_url, progress_console)
            data, filename = download.data, download.filename
            validators = {"etag": download.etag, "last_modified": download.last_modified}
        else:
            path = Path(path_or_url)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"Lecture de {path} impossible : {exc.strerror}") from exc
            filename = path.name
            path_or_url = path.name

        with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=progress_console,
                      transient=True) as progress:
            tasks = {}

            def on_phase(name):
                for task_id in tasks.values():
                    progress.update(task_id, completed=1, total=1)
                tasks[name] = progress.add_task(PHASES[name], total=None)

            result = registry_import(
                data=data, source=path_or_url, filename=filename, actor_label="command:registry_import",
                max_removed_share=max_removed_share, on_phase=on_phase, **validators,
            )

        snapshot = result.snapshot
        if result.unchanged:
            out.print(f"Fichier identique à la liste actuelle (import n° {snapshot.pk} du "
                      f"{snapshot.fetched_at:%d/%m/%Y %H:%M}) : rien n'a changé. "
                      f"{result.listed_hosts} hébergeurs listés.")
            return
        if result.rejected:
            out.print(f"[bold red]Fichier rejeté[/] (import n° {snapshot.pk}, {snapshot.reason_code}) : "
                      f"{snapshot.reason}", markup=True)
            for error in snapshot.errors[:SHOWN_ROW_ERRORS]:
                out.print(f"  ligne {error['line']} : {error['reason']}", markup=False)
            if len(snapshot.errors) > SHOWN_ROW_ERRORS:
                out.print(f"  … et {len(snapshot.errors) - SHOWN_ROW_ERRORS} autres erreurs")
            out.print(f"La liste actuelle ({result.listed_hosts} hébergeurs) est conservée.")
            raise CommandError(f"import rejeté : {snapshot.reason_code}", returncode=1)

        table = Table(title=f"Import n° {snapshot.pk} : {snapshot.row_count} lignes lues ({snapshot.format})")
        table.add_column("Changement")
        table.add_column("Hébergeurs", justify="right")
        for kind in Change.Kind:
            table.add_row(str(kind.label).capitalize(), str(result.counts[kind.value]))
        table.add_section()
        table.add_row("Hébergeurs listés", str(result.listed_hosts), style="bold")
        out.print(table)

    def _download(self, url: str, console: Console) -> http.Download:
        with Progress(TextColumn("Téléchargement"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                      console=console, transient=True) as progress:
            task_id = progress.add_task("download", total=None)
            try:
                download = http.download(
                    url, max_bytes=settings.REGISTRY_MAX_FILE_BYTES,
                    on_progress=lambda received, total: progress.update(task_id, completed=received, total=total),
                )
            except http.DownloadError as exc:
                raise CommandError(exc.message) from exc
        return download
