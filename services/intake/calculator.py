"""The claim calculator (docs/contracts.md#reference-data-guidance-and-progress-public): six kinds of claim, each
computed by its articles, with the steps shown and every assumption said.

Rules, and where they come from:
- economic compensation: N months' wage, a month per full year of service, a remainder of six months or
  more a year, under six months half a month (劳动合同法 art. 47); a wage above three times the local average
  monthly wage counts as three times it and N is at most 12 (art. 47 para. 2); the wage is the average of
  the last twelve months, and not less than the local minimum wage (实施条例 art. 27). Service before
  2008-01-01 counts under the rules of its time (art. 97 para. 3): where the ground of the end paid
  compensation under 劳部发〔1994〕481号, a month of the actual wage per full year (arts. 5-9; at most 12 months
  for arts. 5 and 7; a service under a year counts as a year for art. 5), without art. 47's caps; where it paid
  none (the expiry of a fixed-term contract, among others), nothing.
- unlawful termination: twice the compensation (art. 87), counted from the start of employment (实施条例 art. 25):
  no split at 2008.
- no written contract: one more month's wage for each month from the day after the first full month to the
  day before signing, at most until the day before a full year (art. 82; 实施条例 arts. 6-7): by the letter just
  under 11 months, which many commissions count as 11 (said); a part month counts by its calendar days.
- overtime: hourly wage = monthly / 21.75 / 8 (关于职工全年月平均工作时间和工资折算问题的通知, 劳社部发〔2008〕3号),
  at 150 % on working days, 200 % on rest days, 300 % on public holidays (劳动法 art. 44).
- annual leave: entitlement by cumulative service (条例 art. 3: 5, 10 or 15 days); in the year of leaving,
  days elapsed / 365 x entitlement - days taken, the fraction dropped (实施办法 art. 12); each untaken day owes
  200 % of the daily wage (monthly / 21.75) on top of the wage already paid (条例 art. 5; 实施办法 arts. 10-11).
- notice pay: one month's wage, the previous month's (劳动合同法 art. 40; 实施条例 art. 20).
Local figures not given are the centre's (or the place's) values in force at `end_date`
(services/directory/local_figures.py); none on file (or only one too old to be still in force): no cap or floor,
and the result says so in `missing_figures`, shown apart from the assumptions.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from i18n import DEFAULT_LOCALE, Msg, day, money, msg
from services.core.amounts import is_blank, optional_amount
from services.core.context import SHANGHAI, ServiceContext
from services.core.dates import read_date
from services.core.errors import FieldError, ValidationFailed, field_error
from services.core.laws import Article, art
from services.core.numbers import read_quantity
from services.directory import centres, local_figures
from services.directory.local_figures import Figure
from services.directory.regions import regions

KINDS = (
    "economic_compensation",
    "unlawful_termination",
    "no_written_contract",
    "overtime",
    "annual_leave",
    "notice_pay",
)
FIELDS: dict[str, tuple[str, ...]] = {  # what each kind reads (beyond kind, region_code, centre)
    "economic_compensation": (
        "monthly_wage",
        "start_date",
        "end_date",
        "ground",
        "local_average_monthly_wage",
        "local_minimum_monthly_wage",
    ),
    "unlawful_termination": (
        "monthly_wage",
        "start_date",
        "end_date",
        "local_average_monthly_wage",
        "local_minimum_monthly_wage",
    ),
    "no_written_contract": ("monthly_wage", "start_date", "end_date", "contract_signed_date"),
    "overtime": ("monthly_wage", "overtime_hours", "end_date", "local_minimum_monthly_wage"),
    "annual_leave": ("monthly_wage", "end_date", "cumulative_service_years", "leave_days_taken", "start_date"),
    "notice_pay": ("monthly_wage", "end_date"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "economic_compensation": ("monthly_wage", "start_date", "end_date"),
    "unlawful_termination": ("monthly_wage", "start_date", "end_date"),
    "no_written_contract": ("monthly_wage", "start_date", "end_date"),
    "overtime": ("monthly_wage", "overtime_hours"),
    "annual_leave": ("monthly_wage", "end_date", "cumulative_service_years", "leave_days_taken"),
    "notice_pay": ("monthly_wage",),
}
COMMON = ("kind", "region_code", "centre")
HOUR_KINDS = ("workday", "rest_day", "holiday")
OVERTIME_RATES = {"workday": Decimal("1.5"), "rest_day": Decimal("2"), "holiday": Decimal("3")}
MONTHLY_WORKING_DAYS = Decimal("21.75")  # 劳社部发〔2008〕3号: (365 - 104 - 11) / 12
HOURS_PER_DAY = Decimal("8")
MAX_HOURS = Decimal("100000")
MAX_YEARS = 50  # a period longer than a working life is a typing slip
MAX_SERVICE_YEARS = 60
CENT = Decimal("0.01")
CONTRACT_LAW_FROM = date(2008, 1, 1)  # 劳动合同法 art. 98: in force from 2008-01-01


@dataclass(frozen=True)
class Ground:
    """How a contract ended (劳动合同法 art. 46), and what the rules before 2008 paid for the service before it
    (art. 97 para. 3; 劳部发〔1994〕481号, 违反和解除劳动合同的经济补偿办法)."""

    article: int  # of 劳动合同法: where the end is allowed
    old_article: int  # of 481号 that paid compensation for this end; 0: it paid none
    old_cap: int | None = None  # months at most under 481号 (arts. 5 and 7: 最多不超过十二个月)
    old_under_a_year_is_one: bool = False  # 481号 art. 5: 工作时间不满一年的按一年的标准发给


GROUNDS: dict[str, Ground] = {
    "mutual_agreement": Ground(36, 5, 12, True),  # art. 46 (二): proposed by the employer, agreed
    "employer_fault": Ground(38, 0),  # art. 46 (一): 481号 paid nothing when the worker ended it (see the note)
    "illness": Ground(40, 6),  # art. 40 (一); 481号 art. 6 also owes a medical subsidy (said)
    "incompetence": Ground(40, 7, 12),  # art. 40 (二)
    "changed_circumstances": Ground(40, 8),  # art. 40 (三)
    "layoff": Ground(41, 9),  # art. 41 para. 1
    "expiry": Ground(44, 0),  # art. 46 (五): compensation on expiry exists from 2008 only
    "closure": Ground(44, 0),  # art. 46 (六): bankruptcy, licence revoked, closure
}


@dataclass
class Result:
    """What the calculator answers: the amount, the months it is worth, the articles, the steps, the assumptions."""

    kind: str
    amount: Decimal
    months: Decimal | None
    basis: list[Article]
    steps: list[Msg] = field(default_factory=list)
    assumptions: list[Msg] = field(default_factory=list)
    claim: Msg | None = None  # the claim item it seeds in an application ("请求支付……")
    carry: dict[str, Any] = field(default_factory=dict)  # what it seeds: the application's claim fields
    missing: list[Msg] = field(default_factory=list)  # a local figure the rule needed and none on file: shown apart

    def as_json(self, locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "amount": f"{self.amount:.2f}",
            "months": None if self.months is None else _plain(self.months),
            "basis": [a.text(locale) for a in self.basis],
            "articles": [a.as_json(locale) for a in self.basis],
            "steps": [s.text(locale) for s in self.steps],
            "assumptions": [a.text(locale) for a in self.assumptions],
            "missing_figures": [m.text(locale) for m in self.missing],
            "claim_item": self.claim.text(DEFAULT_LOCALE) if self.claim else "",  # the application is Chinese
        }


def _plain(value: Decimal) -> str:
    """1 rather than 1.00, 0.5 rather than 0.50 (months)."""
    text = f"{value.quantize(CENT):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---------------------------------------------------------------------------------------------
# Input


@dataclass
class Query:
    kind: str
    monthly_wage: Decimal
    start_date: date | None = None
    end_date: date | None = None
    contract_signed_date: date | None = None
    local_average: Decimal | None = None
    local_minimum: Decimal | None = None
    hours: dict[str, Decimal] = field(default_factory=dict)
    service_years: Decimal | None = None
    days_taken: Decimal | None = None
    region_code: str = ""
    centre: str = ""
    ground: str = ""


def parse_query(body: Any) -> Query:
    """The request body checked: every problem at once, 422 naming each field (400 for a body that is no object)."""
    if not isinstance(body, dict):
        raise ValidationFailed([field_error("body", "wrong_type", "error.wrong_type.calculator_body")])
    errors: list[FieldError] = []
    kind = body.get("kind")
    if kind not in KINDS:
        raise ValidationFailed([field_error("kind", "not_allowed", "error.not_allowed.calculator_kind")])
    allowed = set(FIELDS[kind]) | set(COMMON)
    for name in body:
        if name not in allowed:
            errors.append(field_error(name, "unknown_field", "error.unknown_field.calculator", name=name[:40]))
    for name in REQUIRED[kind]:
        if is_blank(body.get(name)):
            errors.append(field_error(name, "required", "error.required.calculator", label=_label(name)))
    q = Query(kind, Decimal(0))

    def amount(name: str) -> Decimal | None:
        """One of the amounts (services/core/amounts.py: a wage is never 0)."""
        try:
            return optional_amount(body.get(name), name)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            return None

    def quantity(name: str, cap: int) -> Decimal | None:
        """Years of service, days of leave taken: 0 or more, at most `cap`."""
        value = body.get(name)
        if is_blank(value):
            return None
        number = read_quantity(value)
        if number is None:
            errors.append(field_error(name, "invalid", "error.invalid.calculator_number", label=_label(name)))
            return None
        if number > cap:
            errors.append(
                field_error(name, "out_of_range", "error.out_of_range.calculator_too_large", label=_label(name))
            )
            return None
        return number

    def when(name: str) -> date | None:
        value = body.get(name)
        if value in (None, ""):
            return None
        parsed = read_date(value)
        if parsed is None or not 1950 <= parsed.year <= 2100:
            errors.append(field_error(name, "invalid", "error.invalid.calculator_date", label=_label(name)))
            return None
        return parsed

    q.monthly_wage = amount("monthly_wage") or Decimal(0)
    q.local_average = amount("local_average_monthly_wage")
    q.local_minimum = amount("local_minimum_monthly_wage")
    q.start_date, q.end_date = when("start_date"), when("end_date")
    q.contract_signed_date = when("contract_signed_date")
    q.service_years = quantity("cumulative_service_years", MAX_SERVICE_YEARS)
    q.days_taken = quantity("leave_days_taken", 366)
    if q.start_date and q.end_date:
        if q.end_date < q.start_date:
            errors.append(field_error("end_date", "out_of_range", "error.out_of_range.calculator_end_before_start"))
        elif add_months(q.start_date, 12 * MAX_YEARS) < q.end_date:
            errors.append(
                field_error("start_date", "out_of_range", "error.out_of_range.calculator_too_long", years=MAX_YEARS)
            )
    ground = body.get("ground")
    if not is_blank(ground):
        if not isinstance(ground, str) or ground not in GROUNDS:
            errors.append(field_error("ground", "not_allowed", "error.not_allowed.calculator_ground"))
        else:
            q.ground = ground
    elif kind == "economic_compensation" and q.start_date and q.start_date < CONTRACT_LAW_FROM:
        # what the service before 2008 is worth depends on the ground (art. 97 para. 3): asked, never guessed
        errors.append(field_error("ground", "required", "error.required.calculator_ground"))
    if q.contract_signed_date and q.start_date and q.contract_signed_date < q.start_date:
        errors.append(field_error("contract_signed_date", "out_of_range", "error.out_of_range.calculator_signed"))
    if kind == "overtime" and body.get("overtime_hours") not in (None, ""):
        hours = body["overtime_hours"]
        if not isinstance(hours, dict):
            errors.append(field_error("overtime_hours", "wrong_type", "error.wrong_type.calculator_hours"))
        else:
            for name in hours:
                if name not in HOUR_KINDS:
                    errors.append(
                        field_error(
                            f"overtime_hours.{name}"[:60],
                            "unknown_field",
                            "error.unknown_field.calculator",
                            name=name[:40],
                        )
                    )
            for name in HOUR_KINDS:
                value = hours.get(name, 0)
                number = read_quantity("0" if is_blank(value) else value)  # an hour box left empty: none
                if number is None or number > MAX_HOURS:
                    errors.append(
                        field_error(
                            f"overtime_hours.{name}",
                            "invalid",
                            "error.invalid.calculator_hours",
                            label=_label(f"hours_{name}"),
                        )
                    )
                    continue
                q.hours[name] = number
            if not errors and not any(q.hours.values()):
                errors.append(field_error("overtime_hours", "required", "error.required.calculator_hours"))
    region = body.get("region_code")
    if region not in (None, ""):
        if not isinstance(region, str) or regions().get(region) is None:
            errors.append(
                field_error("region_code", "unknown_region", "error.unknown_region.calculator", given=str(region)[:20])
            )
        else:
            q.region_code = region
    centre = body.get("centre")
    if centre not in (None, ""):
        if not isinstance(centre, str) or len(centre) > 40:
            errors.append(field_error("centre", "invalid", "error.invalid.calculator_centre"))
        else:
            q.centre = centre
    if errors:
        raise ValidationFailed(errors)
    return q


def _label(name: str) -> Msg:
    return msg(f"calc.field.{name}")


# ---------------------------------------------------------------------------------------------
# Dates


def add_months(start: date, months: int) -> date:
    """The same day `months` later (the month's last day where it has fewer days)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def span(start: date, end: date) -> tuple[int, int]:
    """Full months and the days left over from `start` to `end`, both days counted (2020-06-01..2020-07-31 = 2, 0)."""
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    while months > 0 and add_months(start, months) > after:
        months -= 1
    return max(months, 0), (after - add_months(start, max(months, 0))).days


def month_fraction(months: int, days: int, start: date) -> Decimal:
    """Full months plus the part month by its calendar days."""
    if not days:
        return Decimal(months)
    part_start = add_months(start, months)
    length = (add_months(part_start, 1) - part_start).days
    return Decimal(months) + (Decimal(days) / Decimal(length))


# ---------------------------------------------------------------------------------------------
# The figures of the place


@dataclass
class LocalFigures:
    average: Figure | None
    minimum: Figure | None
    place_name: str
    stale_average: Figure | None = None  # the newest on file when it is too old to be taken as still in force
    stale_minimum: Figure | None = None


FigureLookup = Callable[[str, date], Figure | None]


async def local_figures_for(ctx: ServiceContext, q: Query) -> LocalFigures:
    """The figures in force at `end_date` (today when not given) for the place asked, or the centre's region."""
    place = q.region_code
    if not place:
        directory = await centres.directory(ctx)
        centre = directory.get(q.centre) if q.centre else None
        centre = centre or directory.get(ctx.settings.default_centre)
        place = centre.region_codes[0] if centre and centre.region_codes else ""
    on = q.end_date or ctx.clock().astimezone(SHANGHAI).date()
    if not place:
        return LocalFigures(None, None, "")
    figures = await local_figures.all_figures(ctx)
    found = {kind: local_figures.in_force(figures, kind, place, on) for kind in local_figures.KINDS}
    newest = {kind: local_figures.newest(figures, kind, place, on) for kind in local_figures.KINDS}
    return LocalFigures(
        average=found["average_monthly_wage"],
        minimum=found["minimum_monthly_wage"],
        place_name=regions().full_name(place),
        stale_average=None if found["average_monthly_wage"] else newest["average_monthly_wage"],
        stale_minimum=None if found["minimum_monthly_wage"] else newest["minimum_monthly_wage"],
    )


async def calculate(ctx: ServiceContext, body: Any) -> Result:
    """`POST /api/calculator`: the body checked, the place's figures looked up, the claim computed."""
    q = parse_query(body)
    result = compute(q, await local_figures_for(ctx, q))
    result.carry = seed_of(q, result)
    return result


def seed_of(q: Query, result: Result) -> dict[str, Any]:
    """The application's claim fields this result fills in (intake.drafts.prefill): the item, its amount, the dates."""
    if result.claim is None or not result.amount:
        return {}
    claim: dict[str, Any] = {"amount": f"{result.amount:.2f}", "requests": result.claim.text(DEFAULT_LOCALE)}
    if q.start_date:
        claim["employment_started"] = q.start_date.isoformat()
    if q.end_date and q.kind != "overtime":
        claim["employment_ended"] = q.end_date.isoformat()
    seed: dict[str, Any] = {"claim": claim}
    if q.region_code:
        seed["place_code"] = q.region_code
    return seed


# ---------------------------------------------------------------------------------------------
# The rules


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def compute(q: Query, local: LocalFigures) -> Result:
    return _RULES[q.kind](q, local)


def _wage_base(q: Query, local: LocalFigures, result: Result, *, cap: bool) -> tuple[Decimal, bool]:
    """The monthly wage the compensation counts: floored at the minimum wage (实施条例 art. 27), capped at three
    times the local average (art. 47 para. 2). Returns the base and whether the cap applied."""
    wage = q.monthly_wage
    result.steps.append(msg("calc.step.wage", wage=money(wage)))
    minimum = q.local_minimum if q.local_minimum is not None else (local.minimum.amount if local.minimum else None)
    if minimum is None:
        result.missing.append(_missing("minimum_monthly_wage", local.stale_minimum, local))
    else:
        if q.local_minimum is None and local.minimum:
            result.assumptions.append(_figure_used(local.minimum, local))
        if wage < minimum:
            wage = minimum
            result.steps.append(msg("calc.step.floor", minimum=money(minimum)))
            if art("labour_contract_regulations", 27) not in result.basis:
                result.basis.append(art("labour_contract_regulations", 27))
    if not cap:
        return wage, False
    average = q.local_average if q.local_average is not None else (local.average.amount if local.average else None)
    if average is None:
        result.missing.append(_missing("average_monthly_wage", local.stale_average, local))
        return wage, False
    if q.local_average is None and local.average:
        result.assumptions.append(_figure_used(local.average, local))
    ceiling = _cents(average * 3)
    if wage > ceiling:
        result.steps.append(msg("calc.step.cap", average=money(average), ceiling=money(ceiling)))
        return ceiling, True
    result.steps.append(msg("calc.step.under_cap", ceiling=money(ceiling)))
    return wage, False


def _missing(kind: str, stale: Figure | None, local: LocalFigures) -> Msg:
    """What the result shows apart when a figure the rule needs is not on file for the place (or too old)."""
    if stale is not None:
        return msg(
            f"calc.missing.{kind}.stale",
            place=stale.region_name,
            amount=money(stale.amount),
            since=day(stale.applies_from),
            until=day(local_figures.good_until(stale)),
        )
    if local.place_name:
        return msg(f"calc.missing.{kind}", place=local.place_name)
    return msg(f"calc.missing.{kind}.no_place")


def _figure_used(figure: Figure, local: LocalFigures) -> Msg:
    return msg(
        f"calc.assume.figure.{figure.kind}",
        place=figure.region_name,
        amount=money(figure.amount),
        since=day(figure.applies_from),
        source=figure.source,
    )


def compensation_months(start: date, end: date) -> tuple[Decimal, int, int, int]:
    """N of art. 47 and the service it counts: (N, full years, months, days)."""
    months, days = span(start, end)
    years, rest = divmod(months, 12)
    n = Decimal(years)
    if rest >= 6:
        n += 1
    elif rest or days:
        n += Decimal("0.5")
    return n, years, rest, days


def _art47(q: Query, local: LocalFigures, result: Result, start: date, end: date) -> tuple[Decimal, Decimal]:
    """Compensation for the service from `start` to `end` by 劳动合同法 art. 47: (amount, N)."""
    n, years, rest, days = compensation_months(start, end)
    result.steps.append(msg("calc.step.service", start=day(start), end=day(end), years=years, months=rest, days=days))
    if rest >= 6:
        result.steps.append(msg("calc.step.n_round_up", years=years, n=_plain(n)))
    elif rest or days:
        result.steps.append(msg("calc.step.n_half", years=years, n=_plain(n)))
    else:
        result.steps.append(msg("calc.step.n_whole", n=_plain(n)))
    base, capped = _wage_base(q, local, result, cap=True)
    if capped and n > 12:
        n = Decimal(12)
        result.steps.append(msg("calc.step.n_capped"))
    amount = _cents(base * n)
    result.steps.append(msg("calc.step.compensation", base=money(base), n=_plain(n), amount=money(amount)))
    return amount, n


def _before_2008(q: Query, result: Result) -> tuple[Decimal, Decimal]:
    """The service before 2008-01-01 under the rules of its time (劳动合同法 art. 97 para. 3; 劳部发〔1994〕481号):
    a month of the actual wage per full year where the ground paid compensation then, none otherwise; art. 47's
    3x cap and 12-year cap do not reach it. Returns (amount, months)."""
    assert q.start_date and q.end_date
    ground = GROUNDS[q.ground]
    last = min(q.end_date, CONTRACT_LAW_FROM - timedelta(days=1))
    months, days = span(q.start_date, last)
    years, rest = divmod(months, 12)
    result.steps.append(
        msg(
            "calc.step.before_2008.service", start=day(q.start_date), end=day(last), years=years, months=rest, days=days
        )
    )
    if not ground.old_article:
        result.steps.append(msg(f"calc.step.before_2008.{q.ground}"))
        if q.ground == "employer_fault":
            result.assumptions.append(msg("calc.assume.before_2008_employer_fault"))
        return Decimal(0), Decimal(0)
    n = years
    if ground.old_under_a_year_is_one and not years and (rest or days):
        n = 1  # 481号 art. 5: a service under a year counts as a year
    elif rest or days:  # "每满一年": a part year counts nothing by the letter; practice differs (said)
        result.assumptions.append(
            msg("calc.assume.before_2008_remainder", months=rest, days=days, more=money(_cents(q.monthly_wage)))
        )
    result.steps.append(msg(f"calc.step.before_2008.{q.ground}", n=n))
    if ground.old_cap is not None and n > ground.old_cap:
        n = ground.old_cap
        result.steps.append(msg("calc.step.before_2008.capped", n=n))
    amount = _cents(q.monthly_wage * n)
    result.steps.append(
        msg("calc.step.before_2008.amount", wage=money(_cents(q.monthly_wage)), n=n, amount=money(amount))
    )
    if q.ground == "illness":
        result.assumptions.append(msg("calc.assume.before_2008_medical_subsidy"))
    if ground.old_article in (6, 8, 9):
        result.assumptions.append(msg("calc.assume.before_2008_enterprise_average"))
    return amount, Decimal(n)


def _compensation(q: Query, local: LocalFigures, *, double: bool) -> Result:
    assert q.start_date and q.end_date
    kind = "unlawful_termination" if double else "economic_compensation"
    result = Result(kind, Decimal(0), None, [art("labour_contract_law", 47)])
    if double:
        # 赔偿金 counts every year from the start of employment by art. 47 (实施条例 art. 25): no split at 2008
        result.basis[:0] = [art("labour_contract_law", 87), art("labour_contract_regulations", 25)]
        single, n = _art47(q, local, result, q.start_date, q.end_date)
        amount, months = _cents(single * 2), n * 2
        result.steps.append(msg("calc.step.double", amount=money(amount)))
        result.claim = msg("calc.claim.unlawful_termination", amount=money(amount))
    elif q.start_date < CONTRACT_LAW_FROM:
        # 劳动合同法 art. 97 para. 3: before 2008 by the rules of the time, from 2008 by art. 47
        result.basis += [art("labour_contract_law", 97), art("labour_contract_law", GROUNDS[q.ground].article)]
        result.steps.append(msg("calc.step.split_2008"))
        before, before_months = _before_2008(q, result)
        after, after_months = Decimal(0), Decimal(0)
        if q.end_date >= CONTRACT_LAW_FROM:
            after, after_months = _art47(q, local, result, CONTRACT_LAW_FROM, q.end_date)
        amount, months = before + after, before_months + after_months
        result.steps.append(msg("calc.step.sum_2008", before=money(before), after=money(after), amount=money(amount)))
        result.claim = msg("calc.claim.economic_compensation", amount=money(amount))
    else:
        amount, months = _art47(q, local, result, q.start_date, q.end_date)
        result.claim = msg("calc.claim.economic_compensation", amount=money(amount))
    result.assumptions.append(msg("calc.assume.average_wage"))
    result.amount, result.months = amount, months
    return result


def _economic_compensation(q: Query, local: LocalFigures) -> Result:
    return _compensation(q, local, double=False)


def _unlawful_termination(q: Query, local: LocalFigures) -> Result:
    return _compensation(q, local, double=True)


def _no_written_contract(q: Query, local: LocalFigures) -> Result:
    assert q.start_date and q.end_date
    result = Result(
        "no_written_contract",
        Decimal(0),
        Decimal(0),
        [art("labour_contract_law", 82), art("labour_contract_regulations", 6), art("labour_contract_regulations", 7)],
    )
    first = add_months(q.start_date, 1)  # the day after the first full month
    last_allowed = add_months(q.start_date, 12) - timedelta(days=2)  # the day before the full year
    last = q.end_date
    if q.contract_signed_date is not None:
        last = min(last, q.contract_signed_date - timedelta(days=1))
        result.steps.append(msg("calc.step.signed", signed=day(q.contract_signed_date)))
    else:
        result.steps.append(msg("calc.step.not_signed", end=day(q.end_date)))
    capped_at_a_year = last > last_allowed
    if capped_at_a_year:
        last = last_allowed
        result.assumptions.append(msg("calc.assume.deemed_open_ended"))  # 实施条例 art. 7: deemed open-ended
        result.basis.append(art("labour_contract_law", 14))
    if last < first:
        result.steps.append(msg("calc.step.within_first_month", first=day(first)))
        result.claim = None
        return result
    months, days = span(first, last)
    count = min(month_fraction(months, days, first), Decimal(11))
    result.steps.append(
        msg(
            "calc.step.double_wage_period",
            first=day(first),
            last=day(last),
            months=months,
            days=days,
            count=_plain(count),
        )
    )
    amount = _cents(q.monthly_wage * count)
    result.steps.append(
        msg("calc.step.double_wage", wage=money(q.monthly_wage), count=_plain(count), amount=money(amount))
    )
    if capped_at_a_year:  # 实施条例 art. 7's letter gives just under 11 months; many commissions count 11
        result.assumptions.append(
            msg(
                "calc.assume.double_wage_practice",
                first=day(first),
                last=day(last),
                months=months,
                days=days,
                eleven=money(_cents(q.monthly_wage * 11)),
            )
        )
    if days:
        result.assumptions.append(msg("calc.assume.part_month"))  # 法释〔2025〕12号 art. 6: by working days
        result.basis.append(art("judicial_interpretation_2", 6))
    result.amount, result.months = amount, _cents(count)
    result.claim = msg("calc.claim.no_written_contract", amount=money(amount))
    return result


def _overtime(q: Query, local: LocalFigures) -> Result:
    result = Result("overtime", Decimal(0), None, [art("labour_law", 44), art("working_time_notice", 0)])
    base, _ = _wage_base(q, local, result, cap=False)
    hourly = base / MONTHLY_WORKING_DAYS / HOURS_PER_DAY
    result.steps.append(msg("calc.step.hourly", base=money(base), hourly=money(_cents(hourly))))
    total = Decimal(0)
    for name in HOUR_KINDS:
        hours = q.hours.get(name, Decimal(0))
        if not hours:
            continue
        part = hourly * OVERTIME_RATES[name] * hours
        total += part
        result.steps.append(msg(f"calc.step.overtime.{name}", hours=_plain(hours), amount=money(_cents(part))))
    result.amount = _cents(total)
    result.steps.append(msg("calc.step.total", amount=money(result.amount)))
    result.assumptions.append(msg("calc.assume.rest_day_time_off"))  # art. 44 (二): time off first
    result.assumptions.append(msg("calc.assume.overtime_base"))
    result.claim = msg("calc.claim.overtime", amount=money(result.amount))
    return result


def leave_entitlement(service_years: Decimal) -> int:
    """条例 art. 3: 1 to under 10 years 5 days, 10 to under 20 years 10 days, 20 years or more 15 days."""
    if service_years < 1:
        return 0
    if service_years < 10:
        return 5
    if service_years < 20:
        return 10
    return 15


def _annual_leave(q: Query, local: LocalFigures) -> Result:
    assert q.end_date and q.service_years is not None and q.days_taken is not None
    result = Result(
        "annual_leave",
        Decimal(0),
        None,
        [
            art("paid_leave_regulations", 3),
            art("paid_leave_regulations", 5),
            art("paid_leave_measures", 10),
            art("paid_leave_measures", 12),
        ],
    )
    entitled = leave_entitlement(q.service_years)
    result.steps.append(msg("calc.step.entitlement", years=_plain(q.service_years), days=entitled))
    year_start = date(q.end_date.year, 1, 1)
    counted_from = max(year_start, q.start_date) if q.start_date else year_start
    if counted_from > year_start:
        result.assumptions.append(msg("calc.assume.joined_this_year"))
    elapsed = (q.end_date - counted_from).days + 1
    due = (Decimal(elapsed) / Decimal(365) * entitled).to_integral_value(ROUND_DOWN)
    untaken = max(due - q.days_taken, Decimal(0))
    result.steps.append(
        msg(
            "calc.step.leave_due",
            elapsed=elapsed,
            entitled=entitled,
            due=_plain(due),
            taken=_plain(q.days_taken),
            untaken=_plain(untaken),
        )
    )
    daily = q.monthly_wage / MONTHLY_WORKING_DAYS
    result.amount = _cents(daily * 2 * untaken)
    result.steps.append(
        msg("calc.step.leave_pay", daily=money(_cents(daily)), untaken=_plain(untaken), amount=money(result.amount))
    )
    result.assumptions.append(msg("calc.assume.leave_wage"))
    result.claim = msg("calc.claim.annual_leave", amount=money(result.amount)) if untaken else None
    return result


def _notice_pay(q: Query, local: LocalFigures) -> Result:
    result = Result(
        "notice_pay",
        _cents(q.monthly_wage),
        Decimal(1),
        [art("labour_contract_law", 40), art("labour_contract_regulations", 20)],
    )
    result.steps.append(msg("calc.step.notice_pay", wage=money(q.monthly_wage)))
    result.assumptions.append(msg("calc.assume.notice_pay"))
    result.claim = msg("calc.claim.notice_pay", amount=money(result.amount))
    return result


_RULES: dict[str, Callable[[Query, LocalFigures], Result]] = {
    "economic_compensation": _economic_compensation,
    "unlawful_termination": _unlawful_termination,
    "no_written_contract": _no_written_contract,
    "overtime": _overtime,
    "annual_leave": _annual_leave,
    "notice_pay": _notice_pay,
}
