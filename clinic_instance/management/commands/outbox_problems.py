"""manage.py outbox_problems [--resend ID | --mark-handled ID]: the messages to patients that did not go out.

The operator's view of the workspace page (clinic_instance.outbox_review):
counts per status, then the failed and interrupted messages with the recipient
masked and never the text. The options act through the same functions, so
they are audited and safe to run while an administrator uses the page.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ... import outbox_review
from ...models import OutgoingMessage


class Command(BaseCommand):
    help = "Show the messages to patients that failed or were interrupted; send one again or mark it handled."

    def add_arguments(self, parser) -> None:
        actions = parser.add_mutually_exclusive_group()
        actions.add_argument("--resend", type=int, metavar="ID", help="put a failed or interrupted message back")
        actions.add_argument("--mark-handled", type=int, metavar="ID", help="close an interrupted message for good")
        parser.add_argument("--limit", type=int, default=200, help="messages listed at most (default 200)")

    def handle(self, *args, resend: int | None, mark_handled: int | None, limit: int, **options) -> None:
        if resend is not None:
            self._act(resend, "queued to be sent again", outbox_review.resend, now=timezone.now())
        elif mark_handled is not None:
            self._act(mark_handled, "marked as handled", outbox_review.mark_handled)
        else:
            self._report(max(1, limit))

    def _act(self, message_id: int, done: str, action, **arguments) -> None:
        try:
            action(message_id, **arguments)
        except outbox_review.NotActionable:
            raise CommandError(f"message {message_id}: no such message, or not in a status this applies to") from None
        self.stdout.write(f"message {message_id} {done}.")

    def _report(self, limit: int) -> None:
        counts = outbox_review.outbox_counts()
        self.stdout.write(", ".join(f"{status} {count}" for status, count in counts.items()))
        problems = list(outbox_review.messages_to_review()[: limit + 1])
        for message in problems[:limit]:
            self.stdout.write(
                "\t".join(
                    [
                        str(message.pk),
                        message.status,
                        message.kind,
                        message.channel,
                        outbox_review.mask_recipient(message.recipient),
                        message.last_error or "-",
                    ]
                )
            )
        if len(problems) > limit:
            hidden = counts[OutgoingMessage.Status.FAILED] + counts[OutgoingMessage.Status.UNKNOWN] - limit
            self.stdout.write(f"… and {hidden} more (--limit).")
