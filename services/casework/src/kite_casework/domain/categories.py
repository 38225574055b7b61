"""Case categories (诉求类别), each with the Chinese label people see."""

from __future__ import annotations

from enum import StrEnum


class CaseCategory(StrEnum):
    WAGE_ARREARS = "wage_arrears"
    WORK_INJURY = "work_injury"
    LABOUR_DISPUTE = "labour_dispute"
    MEDICAL = "medical"
    SCHOOLING = "schooling"
    SOCIAL_INSURANCE_PROXY = "social_insurance_proxy"
    CERTIFICATE = "certificate"
    HARDSHIP_RELIEF = "hardship_relief"
    LEFT_BEHIND_FAMILY = "left_behind_family"
    LEGAL_AID = "legal_aid"
    RETURN_HOME_BUSINESS = "return_home_business"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: dict[CaseCategory, str] = {
    CaseCategory.WAGE_ARREARS: "欠薪",
    CaseCategory.WORK_INJURY: "工伤",
    CaseCategory.LABOUR_DISPUTE: "劳动争议",
    CaseCategory.MEDICAL: "医疗",
    CaseCategory.SCHOOLING: "子女就学",
    CaseCategory.SOCIAL_INSURANCE_PROXY: "社保医保代办",
    CaseCategory.CERTIFICATE: "证明/电子印章",
    CaseCategory.HARDSHIP_RELIEF: "困难帮扶",
    CaseCategory.LEFT_BEHIND_FAMILY: "留守老人儿童",
    CaseCategory.LEGAL_AID: "法律援助",
    CaseCategory.RETURN_HOME_BUSINESS: "返乡创业",
    CaseCategory.OTHER: "其他",
}
