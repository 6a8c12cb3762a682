"""Administrators review the messages to patients that did not go out: see them masked, send again, close.

Personas: Anne administers the clinic; Sarah is a secretary and Dr Alice Durand a
practitioner, neither of whom may see the page. Paul Petit is the patient whose
SMS failed.
"""

import itertools
import re
import threading
import time as clock
from datetime import timedelta

import pytest
import requests
from django.core.management import CommandError, call_command
from django.test import Client

from clinic_instance import outbox_review
from clinic_instance.dispatch import dispatch_due
from clinic_instance.models import Appointment, AuditEntry, OutgoingMessage
from clinic_instance.outbox_review import NotActionable, mark_handled, mask_recipient, outbox_counts, resend
from clinic_instance.wakeups import SEND_MESSAGES, send_soon
from tests.clinic_instance.test_staff_api_concurrency import staff_session
from tests.dispatch_support import FILE_BACKEND, sent_references
from tests.factories import make_appointment, make_clinic, paris
from tests.workspace import sign_in, staff_user

pytestmark = pytest.mark.django_db

Status = OutgoingMessage.Status
PAGE = "/workspace/messages/outbox/"
PHONE, EMAIL = "+33612345678", "paul@example.org"
MASKED_PHONE, MASKED_EMAIL = "+33 6 •• •• •• 78", "p•••@example.org"
BODY = "Cabinet des Lilas : RDV lundi 8 mars à 09:00"
numbers = itertools.count()


def outgoing(status: str = Status.FAILED, *, channel: str = "sms", **fields) -> OutgoingMessage:
    defaults = {
        "kind": "reminder",
        "recipient": PHONE if channel == "sms" else EMAIL,
        "body": BODY,
        "last_error": "Twilio error 30006" if status == Status.FAILED else "",
        "attempts": 1,
        "sent_at": paris(2027, 2, 28, 9) if status == Status.SENT else None,
    }
    return OutgoingMessage.objects.create(
        channel=channel, status=status, dedupe_key=f"test-{next(numbers)}", **{**defaults, **fields}
    )


def refreshed(message: OutgoingMessage) -> OutgoingMessage:
    message.refresh_from_db()
    return message


@pytest.fixture(autouse=True)
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = FILE_BACKEND
    settings.SMS_FILE_PATH = str(tmp_path / "sms")


@pytest.fixture
def appointment(alice, consultation):
    return make_appointment(alice, consultation, paris(2027, 3, 8, 9, 0))


@pytest.fixture
def failed(appointment):
    """Paul's reminder, refused by the provider."""
    return outgoing(
        Status.FAILED, appointment=appointment, patient=appointment.patient, appointment_start=appointment.start
    )


@pytest.fixture
def interrupted(appointment):
    """Paul's confirmation e-mail, whose worker died while sending it."""
    return outgoing(
        Status.UNKNOWN, channel="email", kind="confirmation", appointment=appointment,
        patient=appointment.patient, last_error="worker stopped while sending: not resent",
    )  # fmt: skip


@pytest.fixture
def anne(clinic):
    return staff_user("anne", "admin")


@pytest.fixture
def admin_client(client, anne):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, anne)
    return client


# ---------------------------------------------------------------- reading


def test_counts_name_every_status_including_empty_ones(clinic):
    outgoing(Status.FAILED), outgoing(Status.FAILED), outgoing(Status.UNKNOWN), outgoing(Status.PENDING)
    counts = outbox_counts()
    assert counts == {**dict.fromkeys(Status.values, 0), "failed": 2, "unknown": 1, "pending": 1}


@pytest.mark.parametrize(
    ("recipient", "masked"),
    [
        (PHONE, MASKED_PHONE),
        ("+262692123456", "+262 6•• •• •• 56"),  # Réunion
        (EMAIL, MASKED_EMAIL),
        ("erased", "erased"),  # an erased patient's message
        ("not a number", "••"),
    ],
)
def test_recipients_are_masked_enough_to_recognise_not_to_use(recipient, masked):
    assert mask_recipient(recipient) == masked


# ---------------------------------------------------------------- acting


def test_resending_a_failed_message_puts_it_back_due_now_and_wakes_the_dispatcher_once_committed(
    failed, now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        resend(failed.pk, now=now)
    message = refreshed(failed)
    assert (message.status, message.attempts, message.due_at) == (Status.PENDING, 0, now)
    assert message.last_error == "Twilio error 30006"  # until the next attempt says otherwise
    assert [(callback.func, callback.args) for callback in callbacks] == [(send_soon, (SEND_MESSAGES,))]


def test_a_resent_message_goes_out_through_the_normal_dispatcher(failed, now):
    resend(failed.pk, now=now)
    assert dispatch_due("w1", now=now) == 1
    assert refreshed(failed).status == Status.SENT
    assert sent_references() == [f"message-{failed.pk}"]


def test_a_resent_reminder_of_a_moved_appointment_is_still_not_sent(failed, appointment, now):
    Appointment.objects.filter(pk=appointment.pk).update(
        start=appointment.start + timedelta(hours=1), end=appointment.end + timedelta(hours=1)
    )
    resend(failed.pk, now=now)
    assert dispatch_due("w1", now=now) == 0
    assert (refreshed(failed).status, failed.last_error) == (Status.CANCELLED, "appointment moved")
    assert sent_references() == []


def test_an_interrupted_message_may_be_resent_or_marked_handled(interrupted, now):
    mark_handled(interrupted.pk, expected=Status.UNKNOWN)
    message = refreshed(interrupted)
    assert message.status == Status.CANCELLED and message.last_error.startswith("marked as handled by staff")
    with pytest.raises(NotActionable):
        resend(interrupted.pk, now=now)  # closed for good


@pytest.mark.parametrize("status", [Status.PENDING, Status.SENT, Status.CANCELLED, Status.SENDING])
def test_only_failed_or_interrupted_messages_can_be_resent(clinic, now, status):
    message = outgoing(status, claimed_until=now if status == Status.SENDING else None)
    with pytest.raises(NotActionable):
        resend(message.pk, now=now)
    assert refreshed(message).status == status
    assert not AuditEntry.objects.exists()


def test_a_failed_message_can_be_marked_handled_and_a_missing_one_is_not_actionable(failed, now):
    mark_handled(failed.pk, expected=Status.FAILED)
    assert refreshed(failed).status == Status.CANCELLED
    with pytest.raises(NotActionable):
        mark_handled(failed.pk)
    with pytest.raises(NotActionable):
        resend(failed.pk + 1000, now=now)


def test_an_action_applies_only_to_the_status_the_administrator_saw(failed, now):
    with pytest.raises(NotActionable):
        resend(failed.pk, now=now, expected=Status.UNKNOWN)
    assert refreshed(failed).status == Status.FAILED


def test_each_action_is_audited_on_the_appointment_without_the_recipient(failed, appointment, now):
    resend(failed.pk, now=now)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.object_id) == ("update", "appointment", appointment.pk)
    assert (entry.patient_id, entry.practitioner_id) == (appointment.patient_id, appointment.practitioner_id)
    assert entry.detail == f"message {failed.pk} reminder/sms: failed → sent again"
    assert "+336" not in entry.detail and "paul" not in entry.detail.lower()


# ---------------------------------------------------------------- the operator's command


def test_the_command_prints_counts_and_masked_problems(failed, interrupted, capsys):
    outgoing(Status.SENT)
    call_command("outbox_problems")
    output = capsys.readouterr().out
    assert "failed 1" in output and "unknown 1" in output and "sent 1" in output
    assert f"{failed.pk}\tfailed\treminder\tsms\t{MASKED_PHONE}\tTwilio error 30006" in output
    assert f"{interrupted.pk}\tunknown\tconfirmation\temail\t{MASKED_EMAIL}" in output
    assert PHONE not in output and EMAIL not in output and BODY not in output


def test_the_command_lists_at_most_its_limit(clinic, capsys):
    for _ in range(3):
        outgoing(Status.FAILED)
    call_command("outbox_problems", "--limit", "2")
    output = capsys.readouterr().out
    assert output.count("\tfailed\t") == 2 and "… and 1 more (--limit)." in output


def test_the_command_resends_and_marks_handled_through_the_same_functions(failed, interrupted, capsys):
    call_command("outbox_problems", "--resend", str(failed.pk))
    call_command("outbox_problems", "--mark-handled", str(interrupted.pk))
    assert (refreshed(failed).status, refreshed(interrupted).status) == (Status.PENDING, Status.CANCELLED)
    assert AuditEntry.objects.count() == 2 and not AuditEntry.objects.exclude(actor_label="").exists()
    with pytest.raises(CommandError, match=f"message {failed.pk}: no such message"):
        call_command("outbox_problems", "--resend", str(failed.pk))


# ---------------------------------------------------------------- who may see the page


def test_anonymous_visitors_are_sent_to_the_login_page(client, failed):
    for response in (client.get(PAGE), client.post(f"{PAGE}{failed.pk}/resend/", {"status": "failed"})):
        assert response.status_code == 302 and response["Location"].startswith("/workspace/login/")
    assert refreshed(failed).status == Status.FAILED


@pytest.mark.parametrize("persona", ["sarah", "alice"])
def test_secretaries_and_practitioners_may_not_see_or_act(client, failed, interrupted, alice, persona):
    role = {"sarah": "secretary", "alice": "practitioner"}[persona]
    sign_in(client, staff_user(persona, role, practitioner=alice if role == "practitioner" else None, agendas=[alice]))
    assert client.get(PAGE).status_code == 403
    assert client.post(f"{PAGE}{failed.pk}/resend/", {"status": "failed"}).status_code == 403
    assert client.post(f"{PAGE}{interrupted.pk}/handled/", {"status": "unknown"}).status_code == 403
    assert (refreshed(failed).status, refreshed(interrupted).status) == (Status.FAILED, Status.UNKNOWN)


# ---------------------------------------------------------------- the page


def test_the_page_lists_what_did_not_go_out_with_recipients_masked(admin_client, failed, interrupted, appointment):
    outgoing(Status.PENDING), outgoing(Status.PENDING), outgoing(Status.SENT)
    response = admin_client.get(PAGE)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store, private"
    assert list(response.context["page"].object_list) == [interrupted, failed]  # newest first
    content = response.content.decode()
    assert "1 failed, 1 interrupted, 2 waiting" in re.sub(r"<[^>]+>", "", content)
    assert MASKED_PHONE in content and MASKED_EMAIL in content and "Twilio error 30006" in content
    assert f'href="/workspace/appointments/{appointment.pk}/"' in content
    assert "may already have received this message" in content  # the warning beside the interrupted one
    assert PHONE not in content and "612345678" not in content and EMAIL not in content
    assert BODY not in content and "Paul" not in content and "Petit" not in content


def test_the_page_filters_by_status_and_channel(admin_client, failed, interrupted):
    sent = outgoing(Status.SENT, channel="email")
    assert list(admin_client.get(PAGE, {"status": "sent"}).context["page"].object_list) == [sent]
    assert list(admin_client.get(PAGE, {"channel": "email"}).context["page"].object_list) == [interrupted]
    assert list(admin_client.get(PAGE, {"status": "failed", "channel": "email"}).context["page"].object_list) == []
    assert admin_client.get(PAGE, {"status": "claimed"}).status_code == 400


def test_the_page_shows_fifty_messages_at_a_time(admin_client):
    for _ in range(51):
        outgoing(Status.FAILED)
    assert len(admin_client.get(PAGE).context["page"].object_list) == 50
    assert len(admin_client.get(PAGE, {"page": 2}).context["page"].object_list) == 1


def test_the_messages_page_links_to_the_review(admin_client):
    assert f'href="{PAGE}"' in admin_client.get("/workspace/messages/").content.decode()


# ---------------------------------------------------------------- the actions


def test_an_administrator_resends_a_failed_message_and_goes_back_to_the_same_filters(admin_client, failed):
    response = admin_client.post(f"{PAGE}{failed.pk}/resend/", {"status": "failed", "back": "channel=sms&evil=1"})
    assert response.status_code == 302 and response["Location"] == f"{PAGE}?channel=sms"
    assert refreshed(failed).status == Status.PENDING
    entry = AuditEntry.objects.get(action="update")
    assert entry.actor_label == "anne" and entry.detail.endswith("failed → sent again")
    assert failed not in admin_client.get(PAGE).context["page"].object_list


def test_an_administrator_marks_an_interrupted_message_handled(admin_client, interrupted):
    response = admin_client.post(f"{PAGE}{interrupted.pk}/handled/", {"status": "unknown"})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert refreshed(interrupted).status == Status.CANCELLED
    assert AuditEntry.objects.get(action="cancel").detail.endswith("unknown → marked as handled")


def test_actions_answer_only_posts(admin_client, failed, interrupted):
    assert admin_client.get(f"{PAGE}{failed.pk}/resend/").status_code == 405
    assert admin_client.get(f"{PAGE}{interrupted.pk}/handled/").status_code == 405
    assert refreshed(failed).status == Status.FAILED


def test_actions_need_the_csrf_token(anne, failed):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, anne)
    assert client.post(f"{PAGE}{failed.pk}/resend/", {"status": "failed"}).status_code == 403
    assert refreshed(failed).status == Status.FAILED


def test_unknown_or_wrong_status_messages_are_not_found_alike(admin_client, failed, interrupted):
    sent = outgoing(Status.SENT)
    answers = [
        admin_client.post(f"{PAGE}{failed.pk + 1000}/resend/", {"status": "failed"}),  # no such message
        admin_client.post(f"{PAGE}{sent.pk}/resend/", {"status": "failed"}),  # went out
        admin_client.post(f"{PAGE}{failed.pk}/resend/", {"status": "unknown"}),  # not what was shown
        admin_client.post(f"{PAGE}{failed.pk}/resend/"),  # no status at all
        admin_client.post(f"{PAGE}{failed.pk}/handled/", {"status": "unknown"}),  # not what was shown
    ]
    assert [answer.status_code for answer in answers] == [404] * 5
    assert len({answer.content for answer in answers}) == 1  # nothing tells them apart
    assert all(b"+336" not in answer.content for answer in answers)
    assert (refreshed(failed).status, refreshed(sent).status) == (Status.FAILED, Status.SENT)
    assert not AuditEntry.objects.filter(action__in=["update", "cancel"]).exists()


# ---------------------------------------------------------------- two administrators at once

ADMINISTRATORS = 6


@pytest.fixture
def desk(transactional_db, monkeypatch):
    """A failed SMS and six administrators; each request dawdles after reading it, so all read it failed."""
    make_clinic()
    message = outgoing(Status.FAILED)
    sessions = [staff_session(staff_user(f"admin{i}", "admin")) for i in range(ADMINISTRATORS)]
    current = outbox_review._current

    def slow_current(*args, **kwargs):
        found = current(*args, **kwargs)
        clock.sleep(0.3)
        return found

    monkeypatch.setattr(outbox_review, "_current", slow_current)
    return message, sessions


def resend_together(url: str, sessions: list[requests.Session]) -> list[int]:
    barrier = threading.Barrier(len(sessions))
    codes: list = [None] * len(sessions)

    def click(index: int) -> None:
        barrier.wait()
        response = sessions[index].post(url, data={"status": "failed"}, allow_redirects=False, timeout=30)
        codes[index] = response.status_code

    threads = [threading.Thread(target=click, args=(i,)) for i in range(len(sessions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(codes)


def test_administrators_resending_one_message_at_once_resend_it_once(live_server, desk):
    message, sessions = desk
    codes = resend_together(f"{live_server.url}{PAGE}{message.pk}/resend/", sessions)
    assert codes == [302] + [404] * (ADMINISTRATORS - 1)
    assert AuditEntry.objects.filter(detail__endswith="sent again").count() == 1
    assert refreshed(message).status == Status.PENDING


def test_negative_control_without_the_status_condition_each_administrator_resends(live_server, desk, monkeypatch):
    message, sessions = desk

    def unconditional(message, **changes):
        OutgoingMessage.objects.filter(pk=message.pk).update(**changes)

    monkeypatch.setattr(outbox_review, "_transition", unconditional)
    codes = resend_together(f"{live_server.url}{PAGE}{message.pk}/resend/", sessions)
    assert codes.count(302) > 1
    assert AuditEntry.objects.filter(detail__endswith="sent again").count() > 1
