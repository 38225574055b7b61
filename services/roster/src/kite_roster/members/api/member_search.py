"""The member search filters of GET /members and GET /members/export, declared once."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query
from kite_common.domain import RuleViolation

from kite_roster.members.adapters.pii_vault import PiiVault
from kite_roster.members.api.pii import pii_vault
from kite_roster.members.api.schemas import PHONE_PATTERN
from kite_roster.members.application.member_queries import MemberFilter, MemberSort
from kite_roster.members.domain.member import ContactStatus, MemberStatus
from kite_roster.shared.identity import InvalidIdNumber, normalise_id_number


async def member_search_filter(
    vault: Annotated[PiiVault, Depends(pii_vault)],
    name: Annotated[
        str | None, Query(min_length=1, max_length=50, description="姓名（任意连续部分；单字按姓氏）")
    ] = None,
    id_number: Annotated[str | None, Query(min_length=15, max_length=18, description="身份证号（精确）")] = None,
    phone: Annotated[str | None, Query(pattern=PHONE_PATTERN, description="手机号（精确）")] = None,
    origin: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$", description="户籍地区划代码前缀")] = None,
    city: Annotated[str | None, Query(min_length=1, max_length=50, description="务工地城市")] = None,
    employer: Annotated[str | None, Query(min_length=1, max_length=100, description="工作单位")] = None,
    industry: Annotated[str | None, Query(min_length=1, max_length=30, description="行业")] = None,
    party: Annotated[bool | None, Query(description="是否党员")] = None,
    poverty_registered: Annotated[bool | None, Query(description="所在户是否建档立卡")] = None,
    relocated: Annotated[bool | None, Query(description="所在户是否易地搬迁")] = None,
    monitored: Annotated[bool | None, Query(description="所在户是否纳入防返贫监测")] = None,
    contact_status: Annotated[ContactStatus | None, Query(description="in-contact 联系正常 | lost 失联")] = None,
    status: Annotated[
        MemberStatus | Literal["all"], Query(description="active 在册（缺省）| deregistered 已注销 | all 全部")
    ] = "active",
) -> MemberFilter:
    id_hash = None
    if id_number is not None:
        try:
            id_hash = vault.id_hash(normalise_id_number(id_number))
        except InvalidIdNumber as exc:
            raise RuleViolation(
                str(exc), code="validation", errors=[{"field": "id_number", "code": "id_number", "message": str(exc)}]
            ) from exc
    return MemberFilter(
        origin_prefix=origin,
        current_city=city,
        employer=employer,
        is_party_member=party,
        name=name.strip() or None if name else None,
        industry=industry,
        id_number_hash=id_hash,
        phone_hash=vault.phone_hash(phone) if phone else None,
        contact_status=contact_status,
        status=None if status == "all" else status,
        poverty_registered=poverty_registered,
        relocated=relocated,
        monitored=monitored,
    )


SearchFilter = Annotated[MemberFilter, Depends(member_search_filter)]
SortParam = Annotated[MemberSort, Query(description="registered 登记先后 | -registered 最近登记 | name 姓名")]
