"""代办 (proxy service): a matter an office handled on a member's behalf as part of a case — the
paperwork a migrant worker far from home cannot queue for themself (social insurance moved between
provinces, medical insurance filed for treatment away from home, documents for a child's school
place, a labour-arbitration application). Each is recorded on the case by a caseworker of the case's
places, naming the office's area (its division code: the 代办台账 counts per office that did it),
the day it was done and a note. The matters are data: the labels below are what people see."""

from __future__ import annotations

from enum import StrEnum


class ProxyMatter(StrEnum):
    SOCIAL_INSURANCE = "social_insurance"
    MEDICAL_INSURANCE = "medical_insurance"
    DOCUMENTS = "documents"
    SCHOOLING = "schooling"
    HOUSEHOLD_REGISTRATION = "household_registration"
    LABOUR_ARBITRATION = "labour_arbitration"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ProxyMatter.SOCIAL_INSURANCE: "社保关系转移接续",
    ProxyMatter.MEDICAL_INSURANCE: "医保异地就医备案",
    ProxyMatter.DOCUMENTS: "证明材料代办",
    ProxyMatter.SCHOOLING: "子女入学手续",
    ProxyMatter.HOUSEHOLD_REGISTRATION: "户籍证件办理",
    ProxyMatter.LABOUR_ARBITRATION: "劳动仲裁申请",
    ProxyMatter.OTHER: "其他代办事项",
}
