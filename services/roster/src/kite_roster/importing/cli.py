"""`kite roster import FILE`: the import pipeline run directly against the database, with a progress
bar, a summary table and (on request) the per-row report as a CSV beside the file."""

from __future__ import annotations

import asyncio
import csv
import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from kite_roster.importing.pipeline import BatchOutcome, Counts

REPORT_HEADER = ["行号", "列", "问题", "处理结果", "姓名"]
_OUTCOME_LABELS = {"failed": "未导入", "skipped": "已跳过"}


@dataclass(frozen=True)
class ImportResult:
    counts: Counts
    seconds: float
    error_code: str | None = None
    error: str | None = None
    file_kind: str | None = None
    encoding: str | None = None


@contextmanager
def bulk_gc() -> Iterator[None]:
    """Fewer garbage collections while rows stream through (a batch makes many short-lived objects and
    no cycles worth chasing); the usual thresholds again afterwards."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


class ReportWriter:
    """The per-row report as CSV (UTF-8 with BOM, so Excel shows the Chinese), written as batches commit."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._csv = csv.writer(out, lineterminator="\r\n")
        self._csv.writerow(REPORT_HEADER)

    def write(self, outcome: BatchOutcome) -> None:
        for p in outcome.problems:
            self._csv.writerow([p.row, p.column, p.message, _OUTCOME_LABELS.get(p.outcome, p.outcome), p.name])
        self._out.flush()


async def import_file(
    dsn: str,
    path: Path,
    *,
    subject: str,
    jurisdiction: str,
    topic: str,
    batch_rows: int = 10_000,
    reader_processes: int | None = None,
    on_batch: Callable[[BatchOutcome], None] | None = None,
    on_open: Callable[[str, str | None], None] | None = None,
) -> ImportResult:
    """Import one file through the same pipeline as the import jobs (without a job row)."""
    from kite_common.db.pool import connect
    from kite_common.privacy import FieldProtector
    from kite_common.tracing_context import current_traceparent

    from kite_roster.importing.pipeline import run_import
    from kite_roster.importing.readers import MalformedFile, open_table
    from kite_roster.importing.reading import ImportFile
    from kite_roster.importing.worker import missing_columns_problem
    from kite_roster.members.adapters.pii_vault import PiiVault

    vault = PiiVault(FieldProtector.from_settings())
    started = time.perf_counter()
    try:
        table = open_table(path)
    except MalformedFile as exc:
        return ImportResult(Counts(), time.perf_counter() - started, exc.code, exc.message)
    try:
        if on_open is not None:
            on_open(table.kind, table.encoding)
        missing = [c.title for c in table.header.missing()]
        if missing:
            message, problems = missing_columns_problem(missing, table.header_row)
            if on_batch is not None:
                from kite_roster.importing.pipeline import Progress

                on_batch(BatchOutcome(Progress(0, Counts(), 0.0), problems))
            return ImportResult(Counts(), time.perf_counter() - started, "missing-columns", message, table.kind)
        kind, encoding = table.kind, table.encoding
        table.close()  # the reader opens it again, in its own thread or process
        conn = await connect(dsn)
        try:
            with bulk_gc():
                progress = await run_import(
                    conn,
                    ImportFile(path, jurisdiction, subject, topic, current_traceparent()),
                    vault,
                    batch_rows=batch_rows,
                    after_commit=on_batch,
                    reader_processes=reader_processes,
                )
        except MalformedFile as exc:
            return ImportResult(Counts(), time.perf_counter() - started, exc.code, exc.message, kind)
        finally:
            await conn.close()
        return ImportResult(progress.counts, time.perf_counter() - started, None, None, kind, encoding)
    finally:
        table.close()


def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV 或 XLSX 文件")],
    as_subject: Annotated[
        str, typer.Option("--as-subject", help="登记人（记入每条登记事件的 registered_by）")
    ] = "cli-import",
    jurisdiction: Annotated[
        str, typer.Option("--jurisdiction", help="管辖范围（区划代码前缀）：范围外的行只报告不导入；缺省为全国")
    ] = "",
    report: Annotated[
        bool, typer.Option("--report", help="把逐行问题报告写成 CSV，放在文件旁（<文件名>.导入报告.csv）")
    ] = False,
    report_file: Annotated[Path | None, typer.Option("--report-file", help="逐行问题报告写到这个 CSV")] = None,
    batch: Annotated[int, typer.Option("--batch", min=1, max=50_000, help="每个事务的行数")] = 10_000,
) -> None:
    """批量导入人员：读取县里常用中文表头的 CSV（UTF-8 或 GBK）或 XLSX，逐行校验后登记；
    已登记的身份证号跳过（重复导入同一文件不会产生重复人员）。"""
    from kite_common.messaging.cloudevents_kafka import topic_for
    from kite_common.settings import DatabaseSettings, KafkaSettings

    if jurisdiction and not ((jurisdiction.isascii() and jurisdiction.isdigit()) and len(jurisdiction) <= 12):
        raise typer.BadParameter("管辖范围应为不超过12位的区划代码前缀", param_hint="--jurisdiction")
    console = Console()
    report_path = report_file or (file.with_name(f"{file.name}.导入报告.csv") if report else None)
    shown: list[BatchOutcome] = []

    async def go() -> ImportResult:
        out = report_path.open("w", encoding="utf-8-sig", newline="") if report_path else None
        writer = ReportWriter(out) if out else None
        try:
            with Progress(
                TextColumn("[bold]导入 {task.fields[file]}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn(
                    "新登记 [green]{task.fields[created]}[/] 跳过 {task.fields[skipped]} "
                    "问题 [red]{task.fields[failed]}[/]"
                ),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
            ) as bar:
                task = bar.add_task("import", total=1.0, file=file.name, created=0, skipped=0, failed=0)

                def on_batch(outcome: BatchOutcome) -> None:
                    c = outcome.progress.counts
                    bar.update(
                        task,
                        completed=outcome.progress.fraction,
                        created=c.created,
                        skipped=c.skipped,
                        failed=c.failed,
                    )
                    if writer is not None:
                        writer.write(outcome)
                    if len(shown) < 20 and outcome.problems:
                        shown.append(outcome)

                return await import_file(
                    DatabaseSettings().database_url,
                    file,
                    subject=as_subject,
                    jurisdiction=jurisdiction,
                    topic=topic_for("roster", KafkaSettings().topic_prefix),
                    batch_rows=batch,
                    on_batch=on_batch,
                )
        finally:
            if out is not None:
                out.close()

    result = asyncio.run(go())
    if result.error:
        console.print(f"[red]未能导入：[/red]{result.error}")
    table = Table(title=f"{file.name} 导入结果")
    table.add_column("项目")
    table.add_column("行数", justify="right")
    c = result.counts
    for label, value in (
        ("处理", c.total),
        ("新登记", c.created),
        ("已登记而跳过", c.skipped),
        ("有问题未导入", c.failed),
    ):
        table.add_row(label, str(value))
    rate = c.total / result.seconds if result.seconds > 0 else 0.0
    table.caption = f"用时 {result.seconds:.1f} 秒，{rate:,.0f} 行/秒"
    console.print(table)
    problems = [p for outcome in shown for p in outcome.problems][:20]
    if problems:
        sample = Table(title="部分问题（完整报告见 --report）" if report_path is None else "部分问题")
        for title in REPORT_HEADER:
            sample.add_column(title)
        for p in problems:
            sample.add_row(str(p.row), p.column, p.message, _OUTCOME_LABELS.get(p.outcome, p.outcome), p.name)
        console.print(sample)
    if report_path is not None:
        console.print(f"逐行报告：{report_path}")
    raise typer.Exit(1 if result.error else 0)
