"""`kite jobs ...`: jobs' own commands (key rotation of the employer contacts' phones)."""

from __future__ import annotations

import typer
from kite_common.privacy.rotation_cli import reencrypt_command

from kite_jobs.adapters.employer_contacts import ENCRYPTED_COLUMNS


def jobs_cli() -> typer.Typer:
    app = typer.Typer(help="就业服务 jobs", no_args_is_help=True)

    @app.callback()
    def _jobs() -> None:
        """就业服务 jobs: key rotation."""

    app.command("reencrypt")(reencrypt_command("jobs", ENCRYPTED_COLUMNS))
    return app
