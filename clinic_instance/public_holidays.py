"""French public holidays, from the maintained `holidays` package."""

from datetime import date
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays_of_year(year: int, region: str) -> frozenset[date]:
    return frozenset(holidays.France(years=year, subdiv=region or None))


def public_holidays(first: date, last: date, region: str = "") -> frozenset[date]:
    """Public holidays between `first` and `last` inclusive (region: a French subdivision code)."""
    days: set[date] = set()
    for year in range(first.year, last.year + 1):
        days.update(d for d in _holidays_of_year(year, region) if first <= d <= last)
    return frozenset(days)
