"""Departments a case can be referred to (部门转交), as data: a code, the short name people say and
the full name. The owner keeps the case; the department answers within its own deadline."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Department:
    code: str
    name: str  # 人社
    full_name: str  # 人力资源和社会保障局


DEPARTMENTS: dict[str, Department] = {
    d.code: d
    for d in (
        Department("human_resources", "人社", "人力资源和社会保障局"),
        Department("justice", "司法/法律援助", "司法局（法律援助中心）"),
        Department("medical_insurance", "医保", "医疗保障局"),
        Department("education", "教育", "教育局"),
        Department("civil_affairs", "民政", "民政局"),
        Department("housing", "住建", "住房和城乡建设局"),
        Department("public_security", "公安", "公安局"),
        Department("health", "卫健", "卫生健康局"),
        Department("trade_union", "工会", "总工会"),
        Department("womens_federation", "妇联", "妇女联合会"),
        Department("market_regulation", "市场监管", "市场监督管理局"),
        Department("rural_revitalisation", "乡村振兴", "乡村振兴局"),
        Department("court", "法院", "人民法院"),
    )
}


def department(code: str) -> Department | None:
    return DEPARTMENTS.get(code)
