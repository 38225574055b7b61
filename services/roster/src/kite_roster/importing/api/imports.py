"""/imports: upload a CSV or XLSX of members (a job), follow its progress, read its per-row report."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.domain import NotFound, RuleViolation
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.middleware import body_limit
from kite_common.http.problems import Problem
from kite_common.http.tabular import tabular_response
from kite_common.pagination import decode_cursor, encode_cursor
from kite_common.tracing_context import current_traceparent
from pydantic import BaseModel, Field

from kite_roster.importing import jobs
from kite_roster.importing.api.upload import MultipartFile, boundary_of, filename_from_disposition
from kite_roster.importing.readers import MalformedFile, detect_encoding, sniff_kind
from kite_roster.importing.settings import ImportSettings
from kite_roster.shared.pii import field_protector

router = APIRouter(prefix="/imports", tags=["imports"])

Uploader = Annotated[Principal, Depends(require_roles(Role.REGISTRAR))]
Reader = Annotated[Principal, Depends(require_roles(Role.REGISTRAR, Role.VIEWER))]

_SNIFF = 64 * 1024
_OUTCOME_LABELS = {"failed": "未导入", "skipped": "已跳过"}
PROBLEM_COLUMNS = [
    ("row_number", "行号"),
    ("column_name", "列"),
    ("message", "问题"),
    ("outcome_label", "处理结果"),
    ("name", "姓名"),
]


def _max_bytes() -> int:
    return ImportSettings().max_bytes


class UploadTooLarge(Problem):
    status = 413
    code = "payload-too-large"


class ImportCounts(BaseModel):
    total: int = Field(description="已处理的数据行（不含空行）")
    created: int = Field(description="新登记")
    skipped: int = Field(description="已登记而跳过（含文件内重复）")
    failed: int = Field(description="有问题未导入")


class ImportJobResponse(BaseModel):
    job_id: uuid.UUID
    status: Literal["queued", "running", "done", "failed"] = Field(
        description="queued 排队中 / running 导入中 / done 完成 / failed 失败"
    )
    file_name: str
    file_size: int
    file_kind: str | None = Field(description="csv 或 xlsx（读取后）")
    encoding: str | None = Field(description="CSV 的编码：utf-8、gb18030（GBK）、utf-16")
    jurisdiction: str = Field(description="上传人的管辖范围：范围外的行只报告不导入")
    uploaded_by: str
    counts: ImportCounts
    progress: float = Field(description="已读取文件的比例 0–1（估计）")
    error_code: str | None
    error: str | None = Field(description="整个文件无法导入时的原因")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    links: dict[str, str]


class ImportJobPage(BaseModel):
    items: list[ImportJobResponse]
    next_cursor: str | None


class ImportProblem(BaseModel):
    row_number: int = Field(description="文件中的行号（含表头，与表格软件显示一致）")
    column: str = Field(description="列名（文件中的表头）")
    message: str
    outcome: Literal["failed", "skipped"] = Field(description="failed 未导入 / skipped 已登记而跳过")
    name: str = Field(description="该行的姓名，便于查找")


class ImportProblemPage(BaseModel):
    items: list[ImportProblem]
    next_cursor: str | None


def _response(job: jobs.Job) -> ImportJobResponse:
    base = f"/imports/{job.job_id}"
    return ImportJobResponse(
        job_id=job.job_id,
        status=job.status,
        file_name=job.file_name,
        file_size=job.file_size,
        file_kind=job.file_kind,
        encoding=job.encoding,
        jurisdiction=job.jurisdiction,
        uploaded_by=job.subject,
        counts=ImportCounts(total=job.total, created=job.created, skipped=job.skipped, failed=job.failed),
        progress=round(job.progress, 4),
        error_code=job.error_code,
        error=job.error,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        links={"self": base, "problems": f"{base}/problems"},
    )


async def _upload_stream(request: Request) -> tuple[str | None, AsyncIterator[bytes]]:
    """The uploaded file's name (if given) and its bytes, from a multipart form or the raw body."""
    boundary = boundary_of(request.headers.get("content-type", ""))
    if boundary is None:
        name = request.query_params.get("filename") or filename_from_disposition(
            request.headers.get("content-disposition")
        )
        return name, request.stream()
    form = MultipartFile(request.stream(), boundary)
    await form.open()
    return form.filename or form.fields.get("filename"), form.chunks()


async def _sniffed(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Pass the bytes on, refusing at once what is plainly not a CSV or XLSX (nothing is stored)."""
    head = b""
    sniffed = False
    async for chunk in chunks:
        if not sniffed:
            head += chunk
            if len(head) < _SNIFF:
                continue
            _check_head(head)
            sniffed = True
            yield head
            continue
        yield chunk
    if not sniffed:
        _check_head(head)
        if head:
            yield head


async def _limited(chunks: AsyncIterator[bytes], max_bytes: int) -> AsyncIterator[bytes]:
    """Pass the bytes on, refusing the upload (413) once they come to more than `max_bytes`."""
    size = 0
    async for data in chunks:
        size += len(data)
        if size > max_bytes:
            raise UploadTooLarge(f"文件不能超过 {max_bytes // (1024 * 1024)} MiB（{max_bytes} 字节），请拆分后分批导入")
        yield data


def _check_head(head: bytes) -> None:
    if not head.strip():
        raise RuleViolation("上传的文件是空的", code="empty-file")
    try:
        if sniff_kind(head) == "csv":
            detect_encoding(head)
    except MalformedFile as exc:
        raise RuleViolation(exc.message, code=exc.code) from exc


@router.post(
    "",
    status_code=202,
    response_model=ImportJobResponse,
    summary="批量导入人员（CSV 或 XLSX，上传后排队导入）",
    responses={
        413: {"description": "文件过大"},
        422: {"description": "不是 CSV 或 XLSX 表格、空文件或编码无法识别"},
    },
)
@body_limit(_max_bytes)
async def upload(request: Request, response: Response, principal: Uploader, runtime: Runtime) -> ImportJobResponse:
    """The body is the file itself (Content-Type text/csv, application/vnd.openxmlformats-...sheet or
    application/octet-stream; the name in `?filename=` or Content-Disposition), or a multipart form with
    a file field. The file is stored as it arrives; the answer (202) is a job to poll at its Location."""
    settings = ImportSettings()
    name, chunks = await _upload_stream(request)
    upload = jobs.NewUpload(
        file_name=(name or "upload").strip()[:255] or "upload",
        jurisdiction=principal.jurisdiction,
        subject=principal.subject,
        subject_name=principal.name,
        topic=runtime.topic,
        traceparent=current_traceparent(),
    )
    async with runtime.pool.acquire() as conn, conn.transaction():
        job = await jobs.create_job(
            conn,
            field_protector(),
            upload,
            _limited(_sniffed(chunks), settings.max_bytes),
            chunk_bytes=settings.chunk_bytes,
        )
    if job.file_size == 0:  # pragma: no cover - refused by the sniffing above
        raise RuleViolation("上传的文件是空的", code="empty-file")
    response.headers["Location"] = f"/imports/{job.job_id}"
    return _response(job)


async def _visible_job(runtime: Runtime, principal: Principal, job_id: uuid.UUID) -> jobs.Job:
    async with runtime.pool.acquire() as conn:
        job = await jobs.get_job(conn, job_id)
    # Another jurisdiction's job answers as one that does not exist.
    if job is None or (job.subject != principal.subject and not principal.covers(job.jurisdiction)):
        raise NotFound("未找到该导入任务", code="import-not-found")
    return job


@router.get("", response_model=ImportJobPage, summary="导入任务列表（新的在前）")
async def list_imports(
    principal: Reader,
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> ImportJobPage:
    before = decode_cursor(cursor) if cursor else None
    async with runtime.pool.acquire() as conn:
        found = await jobs.list_jobs(conn, principal.jurisdiction_like, limit + 1, before)
    next_cursor = encode_cursor(found[limit - 1].job_id) if len(found) > limit else None
    return ImportJobPage(items=[_response(j) for j in found[:limit]], next_cursor=next_cursor)


@router.get("/{job_id}", response_model=ImportJobResponse, summary="导入进度")
async def get_import(job_id: uuid.UUID, principal: Reader, runtime: Runtime, response: Response) -> ImportJobResponse:
    job = await _visible_job(runtime, principal, job_id)
    if job.status in ("queued", "running"):
        response.headers["Retry-After"] = "2"
    response.headers["Cache-Control"] = "no-store"
    return _response(job)


def _row_cursor(row: int, seq: int) -> str:
    return f"{row}.{seq}"


def _parse_row_cursor(cursor: str) -> tuple[int, int]:
    try:
        row, seq = cursor.split(".")
        return int(row), int(seq)
    except ValueError as exc:
        raise Problem("分页游标无效", status=400, code="bad-cursor") from exc


@router.get(
    "/{job_id}/problems",
    response_model=ImportProblemPage,
    summary="导入问题报告（逐行：行号、列、问题）；format=csv|xlsx 下载",
)
async def import_problems(
    job_id: uuid.UUID,
    principal: Reader,
    runtime: Runtime,
    format: Annotated[Literal["json", "csv", "xlsx"], Query(description="json 分页；csv/xlsx 下载全部")] = "json",
    outcome: Annotated[Literal["failed", "skipped"] | None, Query(description="只看未导入或已跳过的行")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=32)] = None,
) -> ImportProblemPage | Response:
    job = await _visible_job(runtime, principal, job_id)
    if format != "json":

        async def rows() -> AsyncIterator[dict[str, object]]:
            async with runtime.pool.acquire() as conn:
                async for r in jobs.iterate_problems(conn, job.job_id, outcome):
                    r["outcome_label"] = _OUTCOME_LABELS[str(r["outcome"])]
                    yield r

        stem = job.file_name.rsplit(".", 1)[0] or "导入"
        return tabular_response(rows(), PROBLEM_COLUMNS, format, f"{stem}-导入问题")
    after = _parse_row_cursor(cursor) if cursor else None
    async with runtime.pool.acquire() as conn:
        page = await jobs.problems_page(conn, job.job_id, outcome, after, limit + 1)
    items = [
        ImportProblem(
            row_number=r["row_number"],
            column=r["column_name"],
            message=r["message"],
            outcome=r["outcome"],
            name=r["name"],
        )
        for r in page[:limit]
    ]
    last = page[limit - 1] if len(page) > limit else None
    return ImportProblemPage(items=items, next_cursor=_row_cursor(last["row_number"], last["seq"]) if last else None)
