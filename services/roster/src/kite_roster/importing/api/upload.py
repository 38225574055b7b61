"""Reading an upload as it arrives: the raw body, or the file part of a multipart/form-data body,
as a stream of byte chunks (the file is never held whole in memory)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from email.message import Message
from urllib.parse import unquote

from kite_common.http.problems import Problem

_MAX_HEADERS = 16 * 1024


class BadUpload(Problem):
    status = 400
    code = "bad-upload"


def boundary_of(content_type: str) -> bytes | None:
    """The boundary of a multipart/form-data content type, or None for any other body."""
    msg = Message()
    msg["content-type"] = content_type
    if msg.get_content_type() != "multipart/form-data":
        return None
    boundary = msg.get_param("boundary")
    if not isinstance(boundary, str) or not boundary or len(boundary) > 200:
        raise BadUpload("multipart 请求缺少 boundary 参数", code="bad-multipart")
    return boundary.encode("latin-1")


def filename_from_disposition(value: str | None) -> str | None:
    """The file name of a Content-Disposition value (RFC 6266: filename* wins over filename)."""
    if not value:
        return None
    star = re.search(r"filename\*\s*=\s*([^']*)'[^']*'([^;]+)", value, re.IGNORECASE)
    if star:
        charset = star.group(1) or "utf-8"
        try:
            return unquote(star.group(2).strip(), encoding=charset, errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    plain = re.search(r'filename\s*=\s*("(?:[^"\\]|\\.)*"|[^;]+)', value, re.IGNORECASE)
    if plain:
        name = plain.group(1).strip()
        if name.startswith('"'):
            name = name[1:-1].replace('\\"', '"')
        # Browsers send UTF-8 bytes here; the server read them as latin-1.
        try:
            return name.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return name
    return None


class MultipartFile:
    """The first file part of a multipart/form-data stream. `await open()` reads up to the file's data
    (text fields before it land in `fields`); then `chunks()` yields the file's bytes."""

    def __init__(self, stream: AsyncIterator[bytes], boundary: bytes) -> None:
        self._stream = stream
        self._delimiter = b"\r\n--" + boundary
        self._buffer = b"\r\n"  # so the first delimiter looks like every other one
        self.filename: str | None = None
        self.fields: dict[str, str] = {}

    async def _more(self) -> bool:
        async for chunk in self._stream:
            if chunk:
                self._buffer += chunk
                return True
        return False

    async def _until(self, marker: bytes, limit: int) -> bytes:
        while (at := self._buffer.find(marker)) < 0:
            if len(self._buffer) > limit or not await self._more():
                raise BadUpload("multipart 请求格式有误", code="bad-multipart")
        found, self._buffer = self._buffer[:at], self._buffer[at + len(marker) :]
        return found

    async def _at_least(self, n: int) -> None:
        while len(self._buffer) < n:
            if not await self._more():
                raise BadUpload("multipart 请求格式有误", code="bad-multipart")

    async def open(self) -> None:
        await self._until(self._delimiter, _MAX_HEADERS)  # the preamble
        while True:
            await self._at_least(2)
            if self._buffer.startswith(b"--"):  # the close delimiter: no file came
                raise BadUpload("请求中没有上传文件（multipart 表单缺少文件字段）", code="missing-file")
            await self._until(b"\r\n", _MAX_HEADERS)
            await self._at_least(2)
            if self._buffer.startswith(b"\r\n"):  # a part without headers
                self._buffer, raw_headers = self._buffer[2:], b""
            else:
                raw_headers = await self._until(b"\r\n\r\n", _MAX_HEADERS)
            disposition = _parse_headers(raw_headers).get("content-disposition", "")
            if re.search(r"\bfilename\*?\s*=", disposition, re.IGNORECASE):
                self.filename = filename_from_disposition(disposition) or ""
                return
            name = re.search(r'\bname\s*=\s*"([^"]*)"', disposition)
            value = await self._until(self._delimiter, 64 * 1024)
            if name:
                self.fields[name.group(1)] = value.decode("utf-8", errors="replace")

    async def chunks(self) -> AsyncIterator[bytes]:
        keep = len(self._delimiter)
        while True:
            at = self._buffer.find(self._delimiter)
            if at >= 0:
                if at:
                    yield self._buffer[:at]
                self._buffer = self._buffer[at:]
                return
            if len(self._buffer) > keep:
                out, self._buffer = self._buffer[:-keep], self._buffer[-keep:]
                yield out
            if not await self._more():
                raise BadUpload("上传中断：multipart 请求未正常结束", code="bad-multipart")


def _parse_headers(raw: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in raw.split(b"\r\n"):
        name, sep, value = line.partition(b":")
        if sep:
            headers[name.strip().decode("latin-1").lower()] = value.strip().decode("latin-1")
    return headers
