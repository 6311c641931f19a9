"""Chinese labels for the enumeration codes a case carries (codes in the data, labels in documents)."""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry

GENDER = {"male": "男", "female": "女"}

ID_TYPE = {
    "resident_id": "居民身份证",
    "hk_macao_tw_residence_permit": "港澳台居民居住证",
    "foreign_permanent_residence": "外国人永久居留身份证",
    "passport": "护照",
    "hk_macao_pass": "港澳居民来往内地通行证",
    "tw_pass": "台湾居民来往大陆通行证",
}

EDUCATION = {
    "primary_or_below": "小学及以下",
    "junior_high": "初中",
    "high_school": "高中",
    "vocational": "中专（技校、职高）",
    "college": "大学专科",
    "bachelor": "大学本科",
    "master_or_above": "研究生及以上",
}

# GB/T 4754-2017 sections.
INDUSTRY = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}

NATURE = {
    "state_owned": "国有企业",
    "collective": "集体企业",
    "private": "私营企业",
    "foreign_invested": "外商投资企业",
    "hk_macao_tw_invested": "港澳台商投资企业",
    "individual_business": "个体工商户",
    "government_agency": "机关",
    "public_institution": "事业单位",
    "social_organization": "社会组织",
    "other": "其他",
}

VENUE = {"employer_location": "用人单位所在地", "work_location": "劳动合同履行地"}

PARTY_KIND = {"worker": "劳动者", "employer": "用人单位"}

OUTCOME = {"settled": "调解成功", "failed": "调解不成"}

STATUS = {
    "submitted": "已提交",
    "clarifying": "待确认请求",
    "clarified": "请求已确认",
    "accepted": "已受理",
    "rejected": "不予受理",
    "scheduled": "已安排调解",
    "mediating": "调解中",
    "settled": "调解成功",
    "failed": "调解不成",
    "withdrawn": "已撤回",
}


def label(table: dict[str, str], code: object) -> str:
    """The Chinese label of `code`; an unknown code is shown as it is, a missing one as ""."""
    if code is None or code == "":
        return ""
    return table.get(str(code), str(code))


def yes_no(value: object) -> str:
    """是 / 否 for a boolean, "" when unknown."""
    if value is None or value == "":
        return ""
    return "是" if value else "否"


@lru_cache(maxsize=256)
def nationality(code: str | None) -> str:
    """The Chinese name of an ISO 3166-1 alpha-3 country code (CHN → 中国)."""
    if not code:
        return ""
    country = pycountry.countries.get(alpha_3=code.upper())
    if country is None:
        return code
    return _countries_zh().gettext(country.name)


@lru_cache(maxsize=1)
def _countries_zh() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)
