"""The limits on joining the waiting list, against floods of entries (issue 17).

Each entry may cost the clinic an SMS and an e-mail per offer, and each offer keeps a free slot
from everyone else for the hold time. One script posted 664 entries with distinct phones from one
address in 20 seconds, and the next sweep held 431 slots for them. So a new entry is counted:
- per client network: WAITLIST_JOINS_PER_NETWORK_PER_HOUR an hour (settings), the network being
  config/client_networks.network_digest of the address config/reverse_proxy.py decided, as for the
  phone codes: a forged X-Forwarded-For moves nothing;
- per phone, whatever name is typed with it: ENTRIES_PER_PHONE_PER_PRACTITIONER waiting entries with
  one practitioner, MAX_ENTRIES_PER_PHONE in the clinic.
Distinct phones from many networks still pass; the sweep's cap on held slots per practitioner
(waitlist.py, WAITLIST_OFFERS_HELD_PER_PRACTITIONER) bounds what they cost. When the clinic verifies
phones, each join also spends a verified code, whose SMS have their own limits (phone_verification.py).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.client_networks import network_digest

from .booking import BookingError
from .models import Practitioner, WaitlistEntry, WaitlistJoin

JOIN_WINDOW = timedelta(hours=1)
MAX_ENTRIES_PER_PHONE = 3
"""Three lists in the clinic for one phone: a patient with a few needs, or a parent for a few children."""
ENTRIES_PER_PHONE_PER_PRACTITIONER = 2
"""Two with one practitioner: a parent's mobile often stands for two children waiting for the same doctor,
and one phone still cannot take all the slots the practitioner's offers may hold at once (3 by default)."""


class TooManyJoins(BookingError):
    """Too many new entries from one network lately: a refusal to retry after `retry_after` seconds (429)."""

    status = 429

    def __init__(self, *, retry_after: int):
        super().__init__(
            _(
                "Too many waiting-list requests came from your connection; please try again in an hour or call the clinic."
            ),
            code="too_many_joins",
        )
        self.retry_after = retry_after


def admit_new_entry(*, address: str | None, phone: str, practitioner: Practitioner, now: datetime) -> None:
    """Count a new entry against its network and phone, or raise TooManyJoins / BookingError (too_many_entries).

    `address` is the client's (audit.client_address). Call inside the join's transaction, just before
    the entry is created: joins are counted one at a time until it commits, and a join that fails
    afterwards takes its count back with it. An entry that is only updated is no new entry.
    """
    _serialize_joins()
    network = network_digest(address or "", purpose="waitlist:join")
    limit = settings.WAITLIST_JOINS_PER_NETWORK_PER_HOUR
    recent = WaitlistJoin.objects.filter(network_digest=network, created_at__gt=now - JOIN_WINDOW)
    counted = list(recent.order_by("-created_at").values_list("created_at", flat=True)[:limit])
    if len(counted) >= limit:  # room comes back when the limit-th newest leaves the window (a limit of 0: never)
        freed_at = (counted[-1] if counted else now) + JOIN_WINDOW
        raise TooManyJoins(retry_after=max(1, int((freed_at - now).total_seconds()) + 1))
    waiting = WaitlistEntry.objects.filter(patient__phone=phone, status=WaitlistEntry.Status.WAITING)
    if waiting.filter(practitioner=practitioner).count() >= ENTRIES_PER_PHONE_PER_PRACTITIONER:
        raise BookingError(
            ngettext(
                "This phone number is already on a waiting list of %(practitioner)s.",
                "This phone number is already on %(count)d waiting lists of %(practitioner)s.",
                ENTRIES_PER_PHONE_PER_PRACTITIONER,
            )
            % {"count": ENTRIES_PER_PHONE_PER_PRACTITIONER, "practitioner": practitioner.name},
            code="too_many_entries_with_practitioner",
        )
    if waiting.count() >= MAX_ENTRIES_PER_PHONE:
        raise BookingError(
            _("You are already on %(count)d waiting lists of this clinic.") % {"count": MAX_ENTRIES_PER_PHONE},
            code="too_many_entries",
        )
    WaitlistJoin.objects.create(network_digest=network, created_at=now)


def purge_expired(now: datetime) -> int:
    """Forget the joins the counts no longer look at (the nightly purge)."""
    deleted, _rows = WaitlistJoin.objects.filter(created_at__lte=now - JOIN_WINDOW).delete()
    return deleted


def _serialize_joins() -> None:
    """One new entry at a time counts and inserts, so that concurrent joins cannot all pass a limit.

    On SQLite the IMMEDIATE transaction already holds the database's write lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('openrdv.waitlist_join'))")
