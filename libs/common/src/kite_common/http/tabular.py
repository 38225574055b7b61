"""Tables for people: any list of rows as a CSV or XLSX download, streamed.

`tabular_response(rows, columns, fmt, filename)` takes rows as an iterable or async iterable of
mappings and `columns` as `(key, 中文表头)` pairs. CSV is written as it is read (UTF-8 with a BOM so
that Excel shows Chinese correctly; RFC 4180 quoting, CRLF line ends). XLSX is written row by row with
openpyxl's write-only workbook to a temporary file, which is then streamed and removed: neither format
ever holds the whole result in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote
from uuid import UUID
from zoneinfo import ZoneInfo

from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

TabularFormat = Literal["csv", "xlsx"]
Rows = Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]]
Columns = Sequence[tuple[str, str]]

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
# Times are shown as people in China read them; the value stays exact (no zone is lost in JSON).
DISPLAY_ZONE = ZoneInfo("Asia/Shanghai")

_FLUSH_AT = 64 * 1024
_CHUNK = 256 * 1024
_XLSX_BATCH = 1000
# A cell starting with one of these is a formula to a spreadsheet (CSV injection): quote it as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: Any) -> str:
    """How one value reads in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(DISPLAY_ZONE)
        return str(value.strftime("%Y-%m-%d %H:%M:%S"))
    if isinstance(value, date):
        return str(value.isoformat())
    if isinstance(value, Enum):
        return cell_text(value.value)
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(cell_text(v) for v in value)
    if isinstance(value, str):
        return _defuse(value)
    return str(value)


def _defuse(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _xlsx_value(value: Any) -> Any:
    """How one value goes into an XLSX cell: numbers and dates stay typed, the rest is text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return value.astimezone(DISPLAY_ZONE).replace(tzinfo=None) if value.tzinfo is not None else value
    if isinstance(value, date):
        return value
    if isinstance(value, UUID):
        return str(value)
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", cell_text(value))


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the real (UTF-8, RFC 5987) name."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def _aiter(rows: Rows) -> AsyncIterator[Mapping[str, Any]]:
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            yield row
    else:
        for row in rows:
            yield row


async def csv_chunks(rows: Rows, columns: Columns) -> AsyncIterator[bytes]:
    """The CSV file as UTF-8 byte chunks: BOM and header first, then the rows as they arrive."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    buffer.write(BOM)
    writer.writerow([title for _, title in columns])
    keys = [key for key, _ in columns]
    async for row in _aiter(rows):
        writer.writerow([cell_text(row.get(key)) for key in keys])
        if buffer.tell() >= _FLUSH_AT:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


async def write_xlsx(rows: Rows, columns: Columns, path: Path, sheet_title: str = "Sheet1") -> int:
    """Write the rows to an XLSX file at `path` (write-only: rows go to disk as they come);
    returns the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(sheet_title))
    for i, (_, title) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, 2 * len(title) + 4))
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for _, title in columns:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    keys = [key for key, _ in columns]
    count = 0
    batch: list[list[Any]] = []

    def flush(lines: list[list[Any]]) -> None:
        for line in lines:
            ws.append(line)

    try:
        async for row in _aiter(rows):
            batch.append([_xlsx_value(row.get(key)) for key in keys])
            if len(batch) >= _XLSX_BATCH:
                await asyncio.to_thread(flush, batch)
                count += len(batch)
                batch = []
        flush(batch)
        count += len(batch)
    except BaseException:
        _discard(ws)
        raise
    await asyncio.to_thread(wb.save, str(path))
    return count


def _discard(ws: Any) -> None:
    """Close and remove the sheet's own temporary file of an unfinished workbook."""
    with contextlib.suppress(Exception):
        ws.close()
    with contextlib.suppress(Exception):
        ws._writer.cleanup()


def _sheet_title(title: str) -> str:
    cleaned = "".join(c for c in title if c not in "[]:*?/\\")
    return cleaned[:31] or "Sheet1"


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    try:
        with path.open("rb") as f:
            while chunk := await asyncio.to_thread(f.read, _CHUNK):
                yield chunk
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _with_extension(filename: str, fmt: str) -> str:
    return filename if filename.lower().endswith(f".{fmt}") else f"{filename}.{fmt}"


class XlsxResponse(StreamingResponse):
    """Writes the workbook to a temporary file when the response is sent, then streams the file.
    Nothing is sent before the workbook is complete, so a failure while reading the rows is still an
    ordinary error response (a problem detail), never a truncated file."""

    def __init__(self, rows: Rows, columns: Columns, sheet_title: str, headers: Mapping[str, str]) -> None:
        super().__init__(_no_chunks(), media_type=XLSX_MEDIA_TYPE, headers=headers)
        self._rows = rows
        self._columns = columns
        self._sheet_title = sheet_title

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fd, tmp = tempfile.mkstemp(prefix="kite-export-", suffix=".xlsx")
        os.close(fd)
        path = Path(tmp)
        try:
            await write_xlsx(self._rows, self._columns, path, self._sheet_title)
        except BaseException:
            os.unlink(path)
            raise
        self.headers["content-length"] = str(os.stat(path).st_size)
        self.body_iterator = _file_chunks(path)
        # Also when the client goes away mid-download and the iterator is never finished.
        self.background = BackgroundTask(path.unlink, missing_ok=True)
        await super().__call__(scope, receive, send)


async def _no_chunks() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an async generator


def tabular_response(rows: Rows, columns: Columns, fmt: str, filename: str) -> Response:
    """A download of `rows` (mappings; an iterable or an async iterable) as CSV or XLSX, with
    `columns` as `(key, 中文表头)` pairs and `filename` (the extension is added when missing)."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown tabular format {fmt!r}")
    name = _with_extension(filename, fmt)
    headers = {
        "Content-Disposition": content_disposition(name),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    if fmt == "csv":
        return StreamingResponse(csv_chunks(rows, columns), media_type=CSV_MEDIA_TYPE, headers=headers)
    return XlsxResponse(rows, columns, Path(name).stem, headers)
