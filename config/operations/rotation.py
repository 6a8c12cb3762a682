"""Which backups to keep: the newest of each of the last 7 days and of the last 4 ISO weeks.

Counted over the days that have a backup, not the calendar, so a server that was off for a
fortnight still keeps its last good backups instead of pruning them all.
"""

from collections.abc import Iterable
from datetime import datetime


def backups_to_keep(*, taken: Iterable[datetime], daily: int = 7, weekly: int = 4) -> set[datetime]:
    newest_first = sorted(set(taken), reverse=True)
    keep: set[datetime] = set()
    for period, count in ((lambda moment: moment.date(), daily), (lambda moment: moment.isocalendar()[:2], weekly)):
        seen: list[object] = []
        for moment in newest_first:
            key = period(moment)
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.append(key)
            keep.add(moment)
    return keep
