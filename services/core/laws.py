"""The texts our rules cite, by a stable id, and their articles as people read them ("劳动合同法第四十七条").

The ids are the library's entry ids (services/library/), so every article a rule, the triage or the
calculator names links to its text: `/h5/library/<law>#art-<n>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cn2an

from i18n import DEFAULT_LOCALE, LOCALES, Msg, msg

# Every text a rule of ours cites (the library ships each, data/library/).
LAWS = (
    "labour_law",  # 中华人民共和国劳动法
    "labour_contract_law",  # 中华人民共和国劳动合同法
    "labour_contract_regulations",  # 劳动合同法实施条例
    "mediation_arbitration_law",  # 劳动争议调解仲裁法
    "arbitration_rules",  # 劳动人事争议仲裁办案规则
    "enterprise_mediation_rules",  # 企业劳动争议协商调解规定
    "paid_leave_regulations",  # 职工带薪年休假条例
    "paid_leave_measures",  # 企业职工带薪年休假实施办法
    "wage_payment_provisions",  # 工资支付暂行规定
    "working_time_notice",  # 关于职工全年月平均工作时间和工资折算问题的通知 (21.75 days)
    "legal_aid_law",  # 法律援助法
    "labour_inspection_regulations",  # 劳动保障监察条例
    "migrant_wage_regulations",  # 保障农民工工资支付条例
    "judicial_interpretation_1",  # 法释〔2020〕26号, 劳动争议解释（一）
    "judicial_interpretation_2",  # 法释〔2025〕12号, 劳动争议解释（二）
    "civil_code",  # 中华人民共和国民法典 (the articles on limitation)
    "civil_procedure_law",  # 中华人民共和国民事诉讼法 (2023; judicial confirmation, payment orders)
    "online_mediation_rules",  # 法释〔2021〕23号, 人民法院在线调解规则
    "judicial_confirmation_rules",  # 法释〔2011〕5号, 关于人民调解协议司法确认程序的若干规定
    "holiday_measures",  # 全国年节及纪念日放假办法 (2024)
    "work_injury_regulations",  # 工伤保险条例
)


@dataclass(frozen=True)
class Article:
    """One article of one text (number 0: the text as a whole)."""

    law: str
    number: int

    @property
    def words(self) -> Msg:
        if not self.number:  # the text as a whole (a notice without articles)
            return msg(f"law.{self.law}.short")
        numerals = {locale: _numerals(self.number, locale) for locale in LOCALES}
        return msg("law.article", law=msg(f"law.{self.law}.short"), number=numerals)

    def text(self, locale: str = DEFAULT_LOCALE) -> str:
        return _article_text(self.law, self.number, locale)

    @property
    def anchor(self) -> str:
        return f"art-{self.number}"

    @property
    def link(self) -> str:
        """Where its text is read (the library's page of the law, at the article)."""
        return f"/h5/library/{self.law}" + (f"#{self.anchor}" if self.number else "")

    def as_json(self, locale: str = DEFAULT_LOCALE) -> dict[str, object]:
        return {"law": self.law, "article": self.number, "title": self.text(locale), "url": self.link}


@lru_cache(maxsize=1024)
def _article_text(law: str, number: int, locale: str) -> str:
    return Article(law, number).words.text(locale)


def _numerals(number: int, locale: str) -> str:
    return cn2an.an2cn(number) if locale == DEFAULT_LOCALE else str(number)


def art(law: str, number: int) -> Article:
    assert law in LAWS, law
    return Article(law, number)
