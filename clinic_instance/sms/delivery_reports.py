"""What the provider says became of a sent SMS, recorded on its OutgoingMessage.

Reports may come twice or out of order: a status only replaces an earlier one
in the message's life (sent never overwrites delivered), so replays are harmless.
The row's own status (SENT) is not changed: it says we handed the message over.
A report may even come before the worker recorded the provider's id: it is
then matched by our reference, and the worker's later write keeps the further
status (dispatch.py).
"""

from django.db.models import Q

from clinic_instance.models import OutgoingMessage

# Twilio's message statuses, by how far along they are.
PROGRESS = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
}
NOT_DELIVERED = frozenset({"undelivered", "failed"})


def earlier_than(status: str) -> list[str]:
    """The statuses `status` may replace ('' included); none for a status we cannot order."""
    rank = PROGRESS.get(status)
    if rank is None:
        return []
    return ["", *(name for name, other in PROGRESS.items() if other < rank)]


def record_delivery_status(*, provider_id: str, status: str, error_code: str = "", reference: str = "") -> bool:
    """Store `status` on the SMS sent as `provider_id`; False if there is none or it is further along.

    `reference` ("message-<id>", from the callback's signed URL) finds a message
    whose worker has not stored the provider's id yet: the report is kept on it,
    id included. Unknown statuses are ignored rather than stored: they could not be ordered.
    """
    earlier = earlier_than(status)
    if not earlier or not provider_id:
        return False
    changes = {"delivery_status": status, "provider_id": provider_id[:64]}
    if status in NOT_DELIVERED:
        changes["last_error"] = f"{status}: Twilio error {error_code or 'unknown'}"[:300]
    mine = Q(provider_id=provider_id)
    prefix, _dash, number = reference.partition("-")
    if prefix == "message" and number.isdigit():
        mine |= Q(pk=int(number), provider_id="")
    updated = OutgoingMessage.objects.filter(
        mine, channel=OutgoingMessage.Channel.SMS, delivery_status__in=earlier
    ).update(**changes)
    return updated > 0
