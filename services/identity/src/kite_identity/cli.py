"""`kite clients add` (also `kite identity clients add`): register a client system from the command
line (DATABASE_URL is identity's database)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer


def cli() -> typer.Typer:
    app = typer.Typer(help="client systems and their tokens", no_args_is_help=True)
    app.add_typer(clients_cli(), name="clients")
    return app


def top_level() -> dict[str, typer.Typer]:
    return {"clients": clients_cli()}


def clients_cli() -> typer.Typer:
    clients = typer.Typer(help="client systems", no_args_is_help=True)

    @clients.command("add")
    def add(
        name: Annotated[str, typer.Argument(help="e.g. hotline-12345")],
        scopes: Annotated[str, typer.Option(help="comma-separated service:verb, e.g. casework:write,casework:events")],
        jurisdiction: Annotated[str, typer.Option(help="division-code prefix the client acts in")],
        roles: Annotated[str, typer.Option(help="comma-separated roles")] = "viewer",
        jwks_url: Annotated[str | None, typer.Option(help="the client's JWKS (private_key_jwt)")] = None,
        public_key: Annotated[Path | None, typer.Option(help="a JWK file of the client's public key")] = None,
        secret: Annotated[bool, typer.Option(help="use a client secret instead (printed once)")] = False,
    ) -> None:
        """Register a client system; prints its client_id (and secret, once)."""
        from kite_common.auth.principal import Principal
        from kite_common.db.pool import create_pool
        from kite_common.discovery import installed_services
        from kite_common.runtime import ServiceRuntime
        from kite_common.settings import DatabaseSettings, KafkaSettings

        from kite_identity.application.register_client import register_client
        from kite_identity.domain.client import ClientSpec

        if secret == bool(jwks_url or public_key):
            raise typer.BadParameter("give --jwks-url or --public-key, or --secret")
        keys = (json.loads(public_key.read_text("utf-8")),) if public_key else ()
        spec = ClientSpec(
            name=name,
            auth_method="client_secret" if secret else "private_key_jwt",
            scopes=[s for s in scopes.split(",") if s],
            roles=[r for r in roles.split(",") if r],
            jurisdiction=jurisdiction,
            jwks_url=jwks_url,
            public_keys=keys,
        )
        operator = Principal("operator:cli", frozenset({"admin"}), "")

        async def go() -> None:
            pool = await create_pool(DatabaseSettings())
            try:
                runtime = ServiceRuntime(installed_services()["identity"], pool, KafkaSettings())
                done = await register_client(runtime.unit_of_work(), operator, spec)
            finally:
                await pool.close()
            typer.echo(json.dumps({"client_id": str(done.client_id), "client_secret": done.client_secret}))

        asyncio.run(go())

    return clients
