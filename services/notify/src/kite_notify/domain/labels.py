"""Chinese labels of codes that other services put in their events."""

from __future__ import annotations

CASE_CATEGORIES: dict[str, str] = {
    "wage_arrears": "欠薪",
    "work_injury": "工伤",
    "labour_dispute": "劳动争议",
    "labor_dispute": "劳动争议",
    "medical": "医疗",
    "schooling": "子女就学",
    "social_insurance": "社保医保代办",
    "social_insurance_proxy": "社保医保代办",
    "certificate": "证明/电子印章",
    "hardship_relief": "困难帮扶",
    "left_behind_family": "留守老人儿童",
    "legal_aid": "法律援助",
    "return_home_business": "返乡创业",
    "other": "其他",
}


def case_category_label(code: str) -> str:
    return CASE_CATEGORIES.get(code, "其他")


OUTCOMES: dict[str, str] = {"resolved": "已解决", "partly_resolved": "部分解决", "unresolvable": "无法解决"}


def outcome_label(code: str) -> str:
    return OUTCOMES.get(code, "已办结")
