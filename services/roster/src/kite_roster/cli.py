"""`kite roster ...`: the roster's own commands (bulk import, key rotation)."""

from __future__ import annotations

import typer
from kite_common.privacy.rotation_cli import reencrypt_command

from kite_roster.importing.cli import import_command
from kite_roster.members.adapters.pii_vault import ENCRYPTED_COLUMNS


def roster_cli() -> typer.Typer:
    app = typer.Typer(help="人员名册 roster", no_args_is_help=True)

    @app.callback()
    def _roster() -> None:
        """人员名册 roster: bulk import and key rotation."""

    app.command("reencrypt")(reencrypt_command("roster", ENCRYPTED_COLUMNS))
    app.command("import")(import_command)
    return app
