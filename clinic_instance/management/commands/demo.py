"""manage.py demo: the demo network on this machine (see clinic_instance/demo_network.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ...demo_data import DEMO_SECRETARY, PRACTICES
from ...demo_network import ADMIN, NetworkNotReady, nodes, prepare, serve


class Command(BaseCommand):
    help = (
        "Run the demo network: a directory on http://127.0.0.1:8000/ and two clinic instances on :8001 and "
        ":8002, with demo data on SQLite, federated through the real protocol. Ctrl-C stops it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=8000, help="the directory's port; the instances take the next two"
        )
        parser.add_argument("--data-dir", default=str(settings.BASE_DIR / "var" / "demo"), help="databases and keys")
        parser.add_argument("--no-serve", action="store_true", help="prepare the databases and stop")

    def handle(self, *args, port: int, data_dir: str, no_serve: bool, **options):
        if not settings.DEBUG:
            raise CommandError("The demo runs with DEBUG=true (never on a production server).")
        network = nodes(Path(data_dir).resolve(), port)
        prepare(network, self.stdout.write)
        if no_serve:
            self.stdout.write(self.addresses(network, Path(data_dir).resolve()))
            return
        self.stdout.write(
            "Starting the network; the addresses follow once the directory lists every demo practitioner."
        )

        def announce() -> None:
            self.stdout.write(self.addresses(network, Path(data_dir).resolve()))
            self.stdout.write("Ready: the directory finds every demo practitioner. Ctrl-C stops the network.")

        try:
            serve(network, self.stdout.write, on_ready=announce)
        except NetworkNotReady as error:
            raise CommandError(str(error)) from error

    @staticmethod
    def addresses(network, data_dir: Path) -> str:
        directory, *clinics = network
        lines = [
            "",
            f"Directory (search, profiles): {directory.url}/   (English: {directory.url}/en/)",
            f"Directory moderation:         {directory.url}/moderation/   ({ADMIN[0]} / {ADMIN[1]})",
        ]
        for clinic in clinics:
            lines.append(f"{clinic.title + ':':<30}{clinic.url}/")
            lines.append(
                f"{'  staff workspace:':<30}{clinic.url}/workspace/   ({ADMIN[0]}, {DEMO_SECRETARY} or a practitioner's"
                f" last name, e.g. {PRACTICES[clinic.name]['away'].lower()} / {ADMIN[1]})"
            )
        lines += [
            f"Data (SQLite, keys):          {data_dir}",
            f"Messages to patients:         {data_dir}/mail/ and sms/ (files, nothing is sent; each clinic's line"
            " above says whether SMS wait for quiet hours)",
            "",
        ]
        return "\n".join(lines)
