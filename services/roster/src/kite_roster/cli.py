"""`kite roster ...`: the roster's own commands (bulk import, key rotation)."""

from __future__ import annotations

import typer


def roster_cli() -> typer.Typer:
    app = typer.Typer(help="人员名册 roster", no_args_is_help=True)
    return app
