"""The `kite` command: local stack, service roles, migrations, rebuilds, dev tokens."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from kite_common.settings import KafkaSettings

app = typer.Typer(help="Kite 风筝 — command line", no_args_is_help=True)
console = Console()

ServiceArg = Annotated[str, typer.Argument(help="roster, casework, jobs or notify")]


def _service(name: str):  # type: ignore[no-untyped-def]
    from kite_common.discovery import installed_services

    services = installed_services()
    if name not in services:
        raise typer.BadParameter(f"unknown service {name!r}; one of {', '.join(services)}")
    return services[name]


@app.command()
def up(
    data_dir: Annotated[Path, typer.Option(envvar="KITE_DATA_DIR", help="where local data is kept")] = Path(".kite"),
    port_base: Annotated[int, typer.Option(envvar="KITE_PORT_BASE")] = 8001,
    database_prefix: Annotated[
        str, typer.Option(envvar="KITE_DATABASE_PREFIX", help="each service's database is PREFIX<service>")
    ] = "kite_",
) -> None:
    """Start the whole system locally (embedded PostgreSQL and broker unless DATABASE_URL /
    KAFKA_BOOTSTRAP_SERVERS are set); restart what crashes, republish to a fresh broker."""
    from kite_common.localstack.up import up as run_up

    run_up(data_dir, port_base, database_prefix)


@app.command()
def run(service: ServiceArg, roles: Annotated[str, typer.Option(help="comma-separated")] = "api,relay,consume") -> None:
    """Run a service's roles in this process."""
    from kite_common.process import run_service

    asyncio.run(run_service(_service(service), roles.split(",")))


@app.command()
def api(service: ServiceArg) -> None:
    """Serve a service's HTTP API."""
    run(service, "api")


@app.command()
def relay(service: ServiceArg) -> None:
    """Publish a service's outbox to Kafka (one active relay per service; others stand by)."""
    run(service, "relay")


@app.command()
def consume(service: ServiceArg) -> None:
    """Run a service's Kafka consumers."""
    run(service, "consume")


@app.command("migrate")
def migrate_cmd(service: ServiceArg) -> None:
    """Apply a service's database migrations (idempotent)."""
    from kite_common.db.migrations import migrate
    from kite_common.db.pool import connect
    from kite_common.settings import DatabaseSettings

    async def go() -> None:
        conn = await connect(DatabaseSettings().database_url)
        try:
            applied = await migrate(conn, _service(service).migrations())
        finally:
            await conn.close()
        console.print(f"{service}: {len(applied)} migration(s) applied")

    asyncio.run(go())


@app.command()
def rebuild(service: ServiceArg) -> None:
    """Drop and rebuild a service's read models from its event store."""
    from kite_common.db.pool import connect
    from kite_common.rebuild import rebuild_projections
    from kite_common.settings import DatabaseSettings

    async def go() -> None:
        conn = await connect(DatabaseSettings().database_url)
        try:
            count = await rebuild_projections(conn, _service(service))
        finally:
            await conn.close()
        console.print(f"{service}: rebuilt from {count} event(s)")

    asyncio.run(go())


@app.command()
def republish(
    service: ServiceArg,
    from_position: Annotated[
        str | None, typer.Option("--from", help="a global position TX:POSITION; sends what comes after it")
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(help="sends at least every event recorded at or after this time (ISO 8601)")
    ] = None,
    wait: Annotated[float, typer.Option(help="seconds to wait for the relay to finish; 0 = do not wait")] = 600,
    reset_groups: Annotated[
        bool,
        typer.Option(
            "--reset-groups",
            help="first move every consumer group reading the topic to its start (stop those consumers first)",
        ),
    ] = False,
) -> None:
    """Re-send a service's events from its event store to its topic (same CloudEvents, same keys),
    e.g. after the broker lost a topic. The active relay does the sending, before the outbox, so
    order is kept; consumers skip what they had handled (inbox). Without --from/--since: everything.
    On a durable Kafka whose topic was lost and recreated, --reset-groups first commits the topic's
    first offsets for every group that reads it, so none skips the republished events."""
    from kite_common.db.pool import connect
    from kite_common.eventstore.postgres import START, GlobalPosition
    from kite_common.messaging.cloudevents_kafka import topic_for
    from kite_common.outbox.republish import position_before, request_republish, wait_until_done
    from kite_common.settings import DatabaseSettings, KafkaSettings

    if from_position is not None and since is not None:
        raise typer.BadParameter("give --from or --since, not both")
    definition = _service(service)

    async def go() -> None:
        conn = await connect(DatabaseSettings().database_url)
        try:
            if since is not None:
                after = await position_before(conn, since if since.tzinfo else since.astimezone())
            elif from_position is not None:
                try:
                    after = GlobalPosition.parse(from_position)
                except ValueError as exc:
                    raise typer.BadParameter("--from is TX:POSITION, e.g. 1234:56") from exc
            else:
                after = START
            kafka = KafkaSettings()
            topic = topic_for(definition.name, kafka.topic_prefix)
            if reset_groups:
                await _reset_groups(kafka, definition.name, topic, wait)
            request = await request_republish(conn, topic, definition.registry.source, after, "kite republish")
            console.print(f"{service}: republish request {request} from {after} to {topic} handed to the relay")
            if wait > 0:
                state = await wait_until_done(conn, request, wait)
                if not state.done:
                    console.print(
                        f"[yellow]not finished after {wait:.0f} s ({state.published} sent); is a relay running?[/]"
                    )
                    raise typer.Exit(1)
                console.print(f"[green]✓[/] {state.published} event(s) republished")
        finally:
            await conn.close()

    asyncio.run(go())


async def _reset_groups(kafka: KafkaSettings, service: str, topic: str, wait: float) -> None:
    """Moves every group reading `topic` to its start; a group with live consumers is left alone and
    named (the command then fails: stop them and run it again)."""
    from kite_common.discovery import installed_services
    from kite_common.messaging.group_offsets import reset_groups_to_start

    known = [
        f"{kafka.topic_prefix}{other.name}.{spec.purpose}"
        for other in installed_services().values()
        for spec in other.consumers
        if service in spec.sources
    ]
    resets = await reset_groups_to_start(kafka, topic, known, join_timeout=min(max(wait, 10), 120))
    live = [reset.group for reset in resets if not reset.done]
    for reset in resets:
        if reset.done:
            starts = ", ".join(f"{p}→{o}" for p, o in sorted(reset.offsets.items()))
            console.print(f"{reset.group}: reset to the start of {topic} ({starts})")
    if live:
        console.print(f"[red]not reset, consumers still running: {', '.join(live)}; stop them and run this again[/]")
        raise typer.Exit(1)
    if not resets:
        console.print(f"[yellow]{topic} does not exist on the broker; no group to reset[/]")


@app.command("dev-token")
def dev_token(
    roles: Annotated[str, typer.Option(help="comma-separated roles")] = "admin",
    jurisdiction: Annotated[str, typer.Option(help="division-code prefix; empty = whole country")] = "",
    subject: str = "dev",
    data_dir: Annotated[Path, typer.Option(envvar="KITE_DATA_DIR")] = Path(".kite"),
) -> None:
    """Issue a token for local use only, signed with the local stack's secret."""
    from kite_common.auth.tokens import issue_dev_token
    from kite_common.localstack.secrets import local_secrets

    secret = local_secrets(data_dir)["KITE_AUTH_JWT_SECRET"]
    typer.echo(issue_dev_token(secret, subject=subject, roles=roles.split(","), jurisdiction=jurisdiction))


@app.command()
def schemas(out: Annotated[Path, typer.Option(help="folder to write to")] = Path("contracts")) -> None:
    """Write the published contracts: one JSON Schema per event type, the AsyncAPI document and each
    service's OpenAPI document."""
    from kite_common.contracts import asyncapi_document, openapi_document
    from kite_common.discovery import installed_services

    (out / "events").mkdir(parents=True, exist_ok=True)
    for service in installed_services().values():
        for name, schema in service.registry.json_schemas().items():
            text = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
            (out / "events" / f"{name}.json").write_text(text, encoding="utf-8")
    document = asyncapi_document(installed_services().values())
    (out / "asyncapi.json").write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "openapi").mkdir(exist_ok=True)
    for service in installed_services().values():
        text = json.dumps(openapi_document(service), ensure_ascii=False, indent=2) + "\n"
        (out / "openapi" / f"{service.name}.json").write_text(text, encoding="utf-8")
    console.print(f"contract written to {out}")


dlq_app = typer.Typer(help="Dead letters: what consumers gave up on, why, and sending it back", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")


def _dlq_topics(service: str | None, topic: str | None) -> list[str]:
    from kite_common.discovery import installed_services
    from kite_common.messaging.cloudevents_kafka import topic_for
    from kite_common.messaging.dlq import DLQ_SUFFIX
    from kite_common.settings import KafkaSettings

    if topic:
        return [topic if topic.endswith(DLQ_SUFFIX) else topic + DLQ_SUFFIX]
    prefix = KafkaSettings().topic_prefix
    if service:  # the topics this service's consumers read
        sources = sorted({s for spec in _service(service).consumers for s in spec.sources})
    else:
        sources = sorted(installed_services())
    return [topic_for(s, prefix) + DLQ_SUFFIX for s in sources]


@dlq_app.command("list")
def dlq_list(
    service: Annotated[str | None, typer.Argument(help="only this service's consumers")] = None,
    topic: Annotated[str | None, typer.Option(help="one topic (or its .dlq) instead")] = None,
    limit: int = 1000,
) -> None:
    """List dead letters: id, consumer, event, attempts and the reason."""
    from kite_common.messaging.dlq import read_dead_letters
    from kite_common.settings import KafkaSettings

    letters = asyncio.run(read_dead_letters(KafkaSettings(), _dlq_topics(service, topic), limit))
    if service and not topic:
        letters = [d for d in letters if d.header("kite_consumer").startswith(f"{service}.")]
    for d in letters:
        event = f"{d.header('ce_type') or '?'} {d.header('ce_id') or '(no id)'}"
        typer.echo(f"{d.id}\t{d.header('kite_consumer')}\t{event}\t{d.header('kite_attempts')}\t{d.reason[:200]}")
    console.print(f"{len(letters)} dead letter(s)", style="dim")


@dlq_app.command("show")
def dlq_show(
    letter_id: Annotated[str, typer.Argument(help="TOPIC:PARTITION:OFFSET, as `kite dlq list` prints")],
) -> None:
    """Show one dead letter: its headers, its body and the error with its trace."""
    from kite_common.messaging.dlq import find_dead_letter
    from kite_common.settings import KafkaSettings

    letter = asyncio.run(find_dead_letter(KafkaSettings(), _letter_id(letter_id)))
    if letter is None:
        console.print(f"[red]no dead letter {letter_id}[/]")
        raise typer.Exit(1)
    typer.echo(f"id: {letter.id}\nkey: {(letter.key or b'').decode(errors='replace')}")
    for k, v in letter.headers:
        if k != "kite_error_trace":
            typer.echo(f"{k}: {v.decode(errors='replace')}")
    typer.echo("body: " + (letter.value or b"").decode(errors="replace"))
    typer.echo(letter.header("kite_error_trace"))


@dlq_app.command("redrive")
def dlq_redrive(
    letter_ids: Annotated[list[str], typer.Argument(help="TOPIC:PARTITION:OFFSET ... as `kite dlq list` prints")],
) -> None:
    """Send dead letters back to their topics once the cause is fixed. Consumers that handled an
    event before skip it (inbox), so each is handled exactly once, however often it is redriven."""
    from kite_common.messaging.dlq import find_dead_letter, redrive
    from kite_common.settings import KafkaSettings

    async def go() -> int:
        kafka = KafkaSettings()
        letters = []
        for letter_id in letter_ids:
            letter = await find_dead_letter(kafka, _letter_id(letter_id))
            if letter is None:
                console.print(f"[red]no dead letter {letter_id}[/]")
                raise typer.Exit(1)
            letters.append(letter)
        return await redrive(kafka, letters)

    console.print(f"[green]✓[/] {asyncio.run(go())} dead letter(s) sent back to their topics")


def _letter_id(text: str) -> str:
    from kite_common.messaging.dlq import parse_id

    try:
        parse_id(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not TOPIC.dlq:PARTITION:OFFSET") from exc
    return text


def mount_service_commands() -> None:
    from kite_common.discovery import installed_services

    for service in installed_services().values():
        if service.cli is not None:
            app.add_typer(service.cli(), name=service.name, help=service.title)
        if service.top_level_cli is not None:
            for name, group in service.top_level_cli().items():
                app.add_typer(group, name=name, help=f"{service.title}: {name}")


def main() -> None:
    mount_service_commands()
    app()


if __name__ == "__main__":
    main()
