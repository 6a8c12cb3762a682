"""What the provider says became of a sent SMS, recorded on its OutgoingMessage.

Reports may come twice or out of order: a status only replaces an earlier one
in the message's life (sent never overwrites delivered), so replays are harmless.
The row's own status (SENT) is not changed: it says we handed the message over.
"""

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


def record_delivery_status(*, provider_id: str, status: str, error_code: str = "") -> bool:
    """Store `status` on the SMS sent as `provider_id`; False if there is none or it is further along.

    Unknown statuses are ignored rather than stored: they could not be ordered.
    """
    rank = PROGRESS.get(status)
    if rank is None or not provider_id:
        return False
    earlier = ["", *(name for name, other in PROGRESS.items() if other < rank)]
    changes = {"delivery_status": status}
    if status in NOT_DELIVERED:
        changes["last_error"] = f"{status}: Twilio error {error_code or 'unknown'}"[:300]
    updated = OutgoingMessage.objects.filter(
        channel=OutgoingMessage.Channel.SMS, provider_id=provider_id, delivery_status__in=earlier
    ).update(**changes)
    return updated > 0
