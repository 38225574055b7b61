"""The employer a case names, as casework knows it: a jobs employer id must be one the employer
directory has (else 422, as for an unknown member: not registered, or not yet synchronised), and
its name and credit code fill in what the caller left out."""

from __future__ import annotations

from dataclasses import replace

from kite_common.db.types import Connection
from kite_common.domain import RuleViolation
from kite_common.identifiers.credit_code import InvalidCreditCode, normalise_credit_code

from kite_casework.adapters.employer_directory import find_employer
from kite_casework.domain.employer import EmployerLink


async def employer_to_name(conn: Connection, link: EmployerLink) -> EmployerLink:
    if link.employer_id is None:
        return link
    known = await find_employer(conn, link.employer_id)
    if known is None:
        raise RuleViolation(
            "未找到该用人单位：该单位尚未在岗位服务登记，或登记信息尚未同步到诉求系统，请核对后稍后重试",
            code="employer-unknown",
            field="employer.employer_id",
        )
    if link.credit_code is not None:
        return replace(link, name=link.name or known.name)
    try:
        code = normalise_credit_code(known.credit_code) if known.credit_code else None
    except InvalidCreditCode:
        code = None  # jobs kept a code that fails the check: the case names the employer by id and name
    return replace(link, name=link.name or known.name, credit_code=code)
