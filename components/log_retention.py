"""CloudWatch Logs retention: an enum of allowed day counts, not `years * 365`."""

from __future__ import annotations

# The allowed values CloudWatch Logs accepts from 5 years upwards (PutRetentionPolicy).
_YEARS_TO_DAYS = {5: 1827, 6: 2192, 7: 2557, 8: 2922, 9: 3288, 10: 3653}
NEVER_EXPIRE = 0


def cloudwatch_retention_days(years: int) -> int:
    """The retention that keeps logs at least `years`; beyond 10 years CloudWatch can only keep them forever."""
    if years < 5:
        raise ValueError(f"audit retention of {years} years is below what the platform supports (7 or more)")
    return _YEARS_TO_DAYS.get(years, NEVER_EXPIRE)
