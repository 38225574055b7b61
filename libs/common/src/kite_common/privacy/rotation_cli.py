"""`kite <service> reencrypt`: the key-rotation command every service with encrypted columns offers,
over `kite_common.privacy.rotation` (roster: members and organisation contacts; jobs: employer contacts).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from kite_common.db.pool import connect
from kite_common.privacy.protector import FieldProtector
from kite_common.privacy.rotation import EncryptedColumn, Plan, RotationRefused, reencrypt
from kite_common.settings import DatabaseSettings


def reencrypt_command(service: str, columns: Sequence[EncryptedColumn]) -> Callable[..., None]:
    """The `reencrypt` command of `service` over its encrypted `columns`."""

    def command(
        batch: Annotated[int, typer.Option(min=1, max=100_000, help="rows per transaction")] = 1000,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="count and check everything, change nothing")] = False,
        rehash: Annotated[
            bool, typer.Option("--rehash", help="also rewrite every blind index under the current KITE_CRYPTO_HASH_KEY")
        ] = False,
    ) -> None:
        """Re-encrypt every stored personal value under the active data key (the first of
        KITE_CRYPTO_DATA_KEYS). Run it after every api of the service has the new key list, then drop the
        old key ids. Resumable: stop it at any time and run it again; a second run changes nothing.

        With --rehash (after changing KITE_CRYPTO_HASH_KEY) every blind index is recomputed from the
        decrypted values, so the old hash key is not needed; stop the service's apis (or give them the
        new hash key) first, since lookups by ID or phone number find only rows indexed under their own key.
        """
        console = Console()
        try:
            protector = FieldProtector.from_settings()
        except (RuntimeError, ValueError) as exc:
            console.print(f"[red]密钥配置有误：[/red]{exc}")
            raise typer.Exit(2) from exc

        async def go() -> int:
            conn = await connect(DatabaseSettings().database_url)
            try:
                with Progress(
                    TextColumn("[bold]{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeRemainingColumn(),
                    console=console,
                    transient=False,
                ) as progress:
                    task = progress.add_task("检查" if dry_run else "重新加密", total=None)

                    def planned(plan: Plan) -> None:
                        progress.update(task, total=plan.total_rows)

                    report = await reencrypt(
                        conn,
                        protector,
                        columns=columns,
                        batch_size=batch,
                        dry_run=dry_run,
                        rehash=rehash,
                        on_plan=planned,
                        on_batch=lambda n: progress.advance(task, n),
                    )
            except RotationRefused as exc:
                console.print(f"[red]已拒绝：[/red]{exc}")
                return 1
            finally:
                await conn.close()

            verb = "将重新加密" if dry_run else "已重新加密"
            table = Table(title=f"当前密钥 {report.active_key_id}（{'试运行，未修改' if dry_run else '完成'}）")
            table.add_column("列")
            table.add_column("密钥编号")
            table.add_column("运行前值数", justify="right")
            table.add_column(verb, justify="right")
            for label, found in report.found.items():
                done = report.reencrypted.get(label, Counter[str]())
                for kid, count in sorted(found.items()):
                    table.add_row(label, kid, str(count), str(done.get(kid, 0)))
            console.print(table)
            if rehash:
                for label, count in sorted(report.rehashed.items()):
                    console.print(f"{label}: {'将重写' if dry_run else '已重写'} {count} 个索引")
            console.print(
                f"共检查 {report.rows_visited} 行、{report.batches} 批；"
                f"{'将修改' if dry_run else '已修改'} {report.rows_changed} 行，{verb} {report.values_reencrypted} 个值"
            )
            return 0

        raise typer.Exit(asyncio.run(go()))

    command.__name__ = f"reencrypt_{service}"
    return command
