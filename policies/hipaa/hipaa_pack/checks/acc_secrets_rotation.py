"""acc-secrets-rotation: every Secrets Manager secret has exactly one rotation that runs at least every
maxRotationDays days.

`max_interval_days` turns a rate(...) or cron(...) schedule into the longest gap between two runs;
avl-backup-plan uses it for backup rules too.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from itertools import pairwise
from typing import Callable, Optional

from pulumi_policy import PolicyConfigSchema, PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import as_int, by_joined_urn, dig, resources_of, shown, sole_companion

CONTROL = CATALOG["acc-secrets-rotation"]

SECRET_TOKEN = "aws:secretsmanager/secret:Secret"
ROTATION_TOKEN = "aws:secretsmanager/secretRotation:SecretRotation"

CONFIG_SCHEMA = PolicyConfigSchema(properties={
    "maxRotationDays": {
        "type": "integer",
        "minimum": 1,
        "maximum": 1000,
        "default": 90,
        "description": "Longest time a secret may go without rotating, in days.",
    },
})


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    limit = args.get_config()["maxRotationDays"]
    rotations = by_joined_urn(resources_of(args, ROTATION_TOKEN), "secretId")
    for secret in resources_of(args, SECRET_TOKEN):
        rotation = sole_companion(secret, rotations.get(secret.urn, []), f"secret '{secret.name}'", "SecretRotation",
                                  f"required one that rotates it at least every {limit} days (maxRotationDays), or "
                                  f"an exemption saying why it cannot rotate", report_violation)
        if rotation is not None:
            _check_rotation(secret, rotation, limit, report_violation)


def _check_rotation(secret: PolicyResource, rotation: PolicyResource, limit: int,
                    report_violation: ReportViolation) -> None:
    where = f"secret '{secret.name}': SecretRotation '{rotation.name}'"
    days = dig(rotation.props, "rotationRules.automaticallyAfterDays")
    schedule = dig(rotation.props, "rotationRules.scheduleExpression")
    if days is not None:
        if as_int(days) is None or as_int(days) > limit:
            report_violation(f"{where} has rotationRules.automaticallyAfterDays {shown(days)}; required at most "
                             f"{limit} (maxRotationDays)", secret.urn)
        return
    if schedule is None:
        report_violation(f"{where} sets neither rotationRules.automaticallyAfterDays nor scheduleExpression; "
                         f"required a rotation at least every {limit} days (maxRotationDays)", secret.urn)
        return
    interval = max_interval_days(str(schedule))
    if interval is None:
        report_violation(f"{where} has rotationRules.scheduleExpression {shown(schedule)}, which this check cannot "
                         f"evaluate; required rate(N days) or cron(...) running at least every {limit} days "
                         f"(maxRotationDays)", secret.urn)
    elif interval > limit:
        report_violation(f"{where} has rotationRules.scheduleExpression {shown(schedule)}, which can leave "
                         f"{_days(interval)} between rotations; required at most {limit} (maxRotationDays)",
                         secret.urn)


def _days(value: float) -> str:
    return f"{value:g} day" + ("" if value == 1 else "s")


# ------------------------------------------------------------------------------------ schedules

_RATE_RE = re.compile(r"^rate\(\s*([0-9]+)\s+(minute|minutes|hour|hours|day|days)\s*\)$", re.IGNORECASE)
_CRON_RE = re.compile(r"^cron\((.*)\)$", re.IGNORECASE)
_UNIT_DAYS = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1}
_MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
# Four years from a leap year: long enough to see every monthly and yearly pattern repeat.
_WINDOW_START = date(2024, 1, 1)
_WINDOW_DAYS = 4 * 365 + 1


def max_interval_days(expression: str) -> Optional[float]:
    """The longest time, in days, between two runs of an AWS rate(...) or cron(...) schedule.

    cron uses the AWS six-field form (minutes hours day-of-month month day-of-week year, with ?, L, W
    and #); runs are counted per calendar day, so the result is an upper bound that is exact for
    schedules running once a day or less. None when the expression cannot be evaluated (malformed,
    or limited to particular years, so it stops running).
    """
    text = expression.strip()
    rate = _RATE_RE.match(text)
    if rate:
        count, unit = int(rate.group(1)), rate.group(2).lower().rstrip("s")
        return count * _UNIT_DAYS[unit] if count > 0 else None
    cron = _CRON_RE.match(text)
    if not cron:
        return None
    fields = cron.group(1).split()
    if len(fields) != 6:
        return None
    minutes, hours, day_of_month, month, day_of_week, year = fields
    try:
        _numbers(minutes, 0, 59)
        _numbers(hours, 0, 23)
        months = _numbers(month, 1, 12, _MONTHS)
        runs_on = _day_matcher(day_of_month, day_of_week)
    except ValueError:
        return None
    if year != "*":
        return None
    days = [day for day in (_WINDOW_START + timedelta(n) for n in range(_WINDOW_DAYS))
            if day.month in months and runs_on(day)]
    if len(days) < 2:
        return None
    gaps = [(later - earlier).days for earlier, later in pairwise(days)]
    return float(max(gaps))


def _numbers(field: str, low: int, high: int, names: Optional[dict[str, int]] = None) -> set[int]:
    """The values of one cron field: lists, ranges, steps (a/b, */b, a-b/c), * and names."""
    def value(token: str) -> int:
        token = token.strip().upper()
        number = names[token] if names and token in names else int(token)
        if not low <= number <= high:
            raise ValueError(f"{number} outside {low}-{high}")
        return number

    result: set[int] = set()
    for item in field.split(","):
        base, _, step_text = item.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError("step below 1")
        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            first, last = base.split("-", 1)
            start, end = value(first), value(last)
        else:
            start = value(base)
            end = high if step_text else start
        if start > end:
            raise ValueError("descending range")
        result.update(range(start, end + 1, step))
    if not result:
        raise ValueError("no values")
    return result


def _aws_weekday(day: date) -> int:
    """1 = Sunday ... 7 = Saturday, as cron day-of-week counts."""
    return (day.weekday() + 1) % 7 + 1


def _day_matcher(day_of_month: str, day_of_week: str) -> Callable[[date], bool]:
    if day_of_week in ("?", "*") or day_of_month not in ("?", "*"):
        if day_of_month in ("?", "*"):
            return lambda day: True
        return _month_day_matcher(day_of_month.upper())
    return _week_day_matcher(day_of_week.upper())


def _month_day_matcher(field: str) -> Callable[[date], bool]:
    if field == "L":
        return lambda day: day.day == calendar.monthrange(day.year, day.month)[1]
    if field == "LW":
        return lambda day: day == _last_weekday(day.year, day.month)
    if field.endswith("W"):
        target = int(field[:-1])
        if not 1 <= target <= 31:
            raise ValueError("day of month outside 1-31")
        return lambda day: day == _nearest_weekday(day.year, day.month, target)
    numbers = _numbers(field, 1, 31)
    return lambda day: day.day in numbers


def _week_day_matcher(field: str) -> Callable[[date], bool]:
    if "#" in field:
        weekday_text, nth_text = field.split("#", 1)
        weekday, nth = _numbers(weekday_text, 1, 7, _WEEKDAYS), int(nth_text)
        if len(weekday) != 1 or not 1 <= nth <= 5:
            raise ValueError("bad #")
        return lambda day: _aws_weekday(day) in weekday and (day.day - 1) // 7 + 1 == nth
    if field.endswith("L") and field != "L":
        weekday = _numbers(field[:-1], 1, 7, _WEEKDAYS)
        return lambda day: (_aws_weekday(day) in weekday
                            and day.day + 7 > calendar.monthrange(day.year, day.month)[1])
    if field == "L":
        field = "7"
    weekdays = _numbers(field, 1, 7, _WEEKDAYS)
    return lambda day: _aws_weekday(day) in weekdays


def _last_weekday(year: int, month: int) -> date:
    day = date(year, month, calendar.monthrange(year, month)[1])
    while day.weekday() > 4:
        day -= timedelta(1)
    return day


def _nearest_weekday(year: int, month: int, target: int) -> Optional[date]:
    last = calendar.monthrange(year, month)[1]
    if target > last:
        return None
    day = date(year, month, target)
    if day.weekday() == 5:  # Saturday: Friday before, unless that leaves the month
        return day - timedelta(1) if target > 1 else day + timedelta(2)
    if day.weekday() == 6:  # Sunday: Monday after, unless that leaves the month
        return day + timedelta(1) if target < last else day - timedelta(2)
    return day


POLICY = stack_policy(CONTROL, validate, CONFIG_SCHEMA)
