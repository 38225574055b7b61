"""Import files, streamed: CSV (UTF-8 with or without BOM, UTF-16 with BOM, GB18030/GBK) and XLSX
(first sheet). A file is read row by row from disk; only the current row is in memory."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from kite_roster.importing.columns import HeaderMap, looks_like_header, map_header

_SAMPLE = 64 * 1024
_HEADER_SEARCH = 20  # rows above the header (titles, notes) are skipped
_MAX_FIELD = 64 * 1024


class MalformedFile(Exception):
    """The file as a whole cannot be read; the message is for people (Chinese)."""

    def __init__(self, message: str, code: str = "malformed-file") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class RawRow:
    number: int  # the row as a spreadsheet shows it (1-based, titles and header included)
    cells: tuple[Any, ...]


class Table(Protocol):
    kind: str  # "csv" | "xlsx"
    encoding: str | None
    header_row: int
    header: HeaderMap
    header_titles: tuple[str, ...]

    def rows(self) -> Iterator[RawRow]:
        """The data rows after the header, in order."""
        ...

    def progress(self) -> float:
        """How far the rows read so far are into the file, 0..1 (an estimate)."""
        ...

    def close(self) -> None: ...


def sniff_kind(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise MalformedFile(
            "不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入", "xls-not-supported"
        )
    if head.startswith(b"%PDF"):
        raise MalformedFile("这是 PDF 文件，请导入 CSV 或 XLSX 表格", "not-a-table")
    return "csv"


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; otherwise GB18030 (a superset of GBK and GB2312,
    what counties' Excel saves as "CSV"); anything else is refused."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise MalformedFile("文件不是 CSV 或 XLSX 表格（含有二进制内容）", "not-a-table")
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise MalformedFile("无法识别文件编码：请将文件另存为 UTF-8 或 GBK 编码的 CSV，或 XLSX", "unknown-encoding")


def open_table(path: Path) -> Table:
    """Open an import file; raises MalformedFile when it is not a table we can read."""
    with path.open("rb") as f:
        head = f.read(_SAMPLE)
    if not head.strip():
        raise MalformedFile("文件是空的", "empty-file")
    if sniff_kind(head) == "xlsx":
        return XlsxTable(path)
    return CsvTable(path, detect_encoding(head))


def _find_header(rows: Iterator[RawRow]) -> tuple[RawRow, list[RawRow]]:
    """The header row: the first row naming two required columns among the first rows, else the first
    non-empty row. Returns it and the rows read past it (none: they are above it)."""
    first: RawRow | None = None
    seen: list[RawRow] = []
    for row in rows:
        if not any(_present(c) for c in row.cells):
            continue
        if looks_like_header(row.cells):
            return row, []
        first = first or row
        seen.append(row)
        if len(seen) >= _HEADER_SEARCH:
            break
    if first is None:
        raise MalformedFile("文件中没有任何数据行", "empty-file")
    return first, seen[1:]


def _present(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""


class CsvTable:
    kind = "csv"

    def __init__(self, path: Path, encoding: str) -> None:
        self.encoding: str | None = encoding
        self._size = max(path.stat().st_size, 1)
        self._raw: BinaryIO = path.open("rb")
        try:
            self._text = io.TextIOWrapper(self._raw, encoding=encoding, errors="strict", newline="")
            self._records = self._read(self._delimiter())
            header, pending = _find_header(self._records)
        except BaseException:
            self.close()
            raise
        self.header_row = header.number
        self.header = map_header(header.cells)
        self.header_titles = tuple("" if c is None else str(c).strip() for c in header.cells)
        self._pending = pending

    def _delimiter(self) -> str:
        try:
            first = self._text.readline()
        except UnicodeDecodeError as exc:
            raise _decode_problem(1, self.encoding) from exc
        self._text.seek(0)
        return "\t" if first.count("\t") > first.count(",") else ","

    def _read(self, delimiter: str) -> Iterator[RawRow]:
        csv.field_size_limit(_MAX_FIELD)
        reader = csv.reader(self._text, delimiter=delimiter, strict=False)
        number = 0
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise _decode_problem(number + 1, self.encoding) from exc
            except csv.Error as exc:
                raise MalformedFile(f"第 {number + 1} 行附近的 CSV 格式有误：{exc}", "bad-csv") from exc
            number += 1
            yield RawRow(number, tuple(record))

    def rows(self) -> Iterator[RawRow]:
        yield from self._pending
        self._pending = []
        yield from self._records

    def progress(self) -> float:
        with contextlib.suppress(OSError, ValueError):
            return min(1.0, self._raw.tell() / self._size)
        return 0.0

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._raw.close()


def _decode_problem(row: int, encoding: str | None) -> MalformedFile:
    label = {"gb18030": "GBK", "utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16"}.get(encoding or "", "")
    return MalformedFile(
        f"第 {row} 行附近有无法按 {label} 编码读取的内容：文件编码不一致或已损坏，请另存为 UTF-8 编码的 CSV 后重试",
        "bad-encoding",
    )


class XlsxTable:
    kind = "xlsx"
    encoding: str | None = None

    def __init__(self, path: Path) -> None:
        from openpyxl import load_workbook

        # A file object, not the path: openpyxl would refuse a name without an .xlsx extension.
        self._file: BinaryIO = path.open("rb")
        try:
            self._wb = load_workbook(self._file, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds (zip, XML, key errors) on a broken workbook
            self._file.close()
            raise MalformedFile("文件不是有效的 XLSX 表格（文件已损坏或不是 Excel 文件）", "bad-xlsx") from exc
        try:
            if not self._wb.worksheets:
                raise MalformedFile("XLSX 文件中没有工作表", "empty-file")
            ws = self._wb.worksheets[0]
            self._max_row = max(int(getattr(ws, "max_row", 0) or 0), 1)
            # Some programs write a wrong <dimension>: read every row whatever it says.
            ws.reset_dimensions()
            self._row = 0
            self._records = self._read(ws)
            header, pending = _find_header(self._records)
        except BaseException:
            self.close()
            raise
        self.header_row = header.number
        self.header = map_header(header.cells)
        self.header_titles = tuple("" if c is None else str(c).strip() for c in header.cells)
        self._pending = pending

    def _read(self, ws: Any) -> Iterator[RawRow]:
        try:
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                self._row = number
                yield RawRow(number, tuple(values))
        except MalformedFile:
            raise
        except Exception as exc:
            raise MalformedFile(f"第 {self._row + 1} 行附近的 XLSX 内容已损坏，无法读取", "bad-xlsx") from exc

    def rows(self) -> Iterator[RawRow]:
        yield from self._pending
        self._pending = []
        yield from self._records

    def progress(self) -> float:
        return min(1.0, self._row / self._max_row)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._wb.close()
        with contextlib.suppress(Exception):
            self._file.close()
