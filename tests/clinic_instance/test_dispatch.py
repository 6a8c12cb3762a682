"""The dispatcher: each due message is sent once through the real file backend or a real SMTP server."""

import socket
import threading
from datetime import UTC, timedelta

import pytest
import time_machine
from django.db import connection, transaction

from clinic_instance.dispatch import BACKOFF, LEASE, MAX_ATTEMPTS, claim, deliver, dispatch_due, quiet_hours_end
from clinic_instance.models import Appointment, Clinic, OutgoingMessage, SmsOptOut
from clinic_instance.sms import OptedOutSmsError, PermanentSmsError, RetryableSmsError, UncertainSmsError
from clinic_instance.wakeups import wake_dispatcher_on_commit
from tests.dispatch_support import (
    FILE_BACKEND,
    ScriptedSmsBackend,
    celery_broker,
    queue_sms,
    sent_references,
)
from tests.factories import make_appointment, make_clinic, paris

Status = OutgoingMessage.Status


@pytest.fixture(autouse=True)
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = FILE_BACKEND
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    ScriptedSmsBackend.script, ScriptedSmsBackend.calls = [], 0
    return tmp_path / "sms"


@pytest.fixture
def scripted(settings):
    settings.SMS_BACKEND = "tests.dispatch_support.ScriptedSmsBackend"
    return ScriptedSmsBackend


def one_sms(now, **fields) -> OutgoingMessage:
    defaults = {"channel": "sms", "kind": "confirmation", "recipient": "+33612345678", "body": "Rendez-vous lundi"}
    return OutgoingMessage.objects.create(**{**defaults, "dedupe_key": "one", "due_at": now, **fields})


def refreshed(message: OutgoingMessage) -> OutgoingMessage:
    message.refresh_from_db()
    return message


# ---------------------------------------------------------------- sending


def test_a_due_sms_is_sent_once_and_its_provider_id_kept(clinic, now):
    message = one_sms(now)
    assert dispatch_due("w1", now=now) == 1
    assert dispatch_due("w2", now=now + timedelta(hours=1)) == 0
    message = refreshed(message)
    assert (message.status, message.attempts, message.sent_at) == (Status.SENT, 1, now)
    assert message.provider_id.startswith("file-") and message.delivery_status == "sent"
    assert sent_references() == [f"message-{message.pk}"]


def test_a_message_not_yet_due_waits(clinic, now):
    message = one_sms(now + timedelta(minutes=1))
    assert dispatch_due("w1", now=now) == 0
    assert refreshed(message).status == Status.PENDING
    assert dispatch_due("w1", now=now + timedelta(minutes=1)) == 1


def test_an_email_goes_through_smtp_with_the_invitation(clinic, now, inbox):
    message = OutgoingMessage.objects.create(
        channel="email", kind="confirmation", recipient="paul@example.org", subject="Votre rendez-vous",
        body="Lundi 8 mars à 9 h", attachment="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", dedupe_key="mail", due_at=now,
    )  # fmt: skip
    assert dispatch_due("w1", now=now) == 1
    assert refreshed(message).status == Status.SENT
    [email] = inbox.messages
    assert email["To"] == "paul@example.org" and email["Subject"] == "Votre rendez-vous"
    [invitation] = [part for part in email.walk() if part.get_filename() == "invitation.ics"]
    assert invitation.get_content_type() == "text/calendar"
    assert "BEGIN:VCALENDAR" in invitation.get_payload(decode=True).decode()


def test_a_refused_recipient_fails_at_once_without_naming_it(clinic, now, inbox, settings):
    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 no such user"

    inbox.handle_RCPT = refuse
    message = OutgoingMessage.objects.create(
        channel="email", kind="confirmation", recipient="nobody@example.org", body="x", dedupe_key="m", due_at=now
    )
    dispatch_due("w1", now=now)
    message = refreshed(message)
    assert message.status == Status.FAILED and "550" in message.last_error
    assert "nobody" not in message.last_error


def test_a_mail_server_that_is_down_means_a_retry(clinic, now, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed.getsockname()[1]
    message = OutgoingMessage.objects.create(
        channel="email", kind="confirmation", recipient="paul@example.org", body="x", dedupe_key="m", due_at=now
    )
    dispatch_due("w1", now=now)
    message = refreshed(message)
    assert (message.status, message.due_at, message.last_error) == (
        Status.PENDING, now + BACKOFF[0], "ConnectionRefusedError",
    )  # fmt: skip


# ---------------------------------------------------------------- provider errors


def test_retryable_errors_back_off_then_the_message_is_sent_once(clinic, now, scripted):
    scripted.script = [RetryableSmsError("HTTP 429 Too Many Requests"), RetryableSmsError("HTTP 500")]
    message = one_sms(now)
    assert dispatch_due("w1", now=now) == 0
    message = refreshed(message)
    assert (message.status, message.attempts, message.due_at) == (Status.PENDING, 1, now + BACKOFF[0])
    assert message.last_error == "HTTP 429 Too Many Requests" and message.claimed_by == ""
    assert dispatch_due("w1", now=now + BACKOFF[0] - timedelta(seconds=1)) == 0  # not before its time
    assert dispatch_due("w1", now=now + BACKOFF[0]) == 0
    assert refreshed(message).due_at == now + BACKOFF[0] + BACKOFF[1]
    assert dispatch_due("w1", now=now + BACKOFF[0] + BACKOFF[1]) == 1
    message = refreshed(message)
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 3, "")
    assert sent_references() == [f"message-{message.pk}"]


def test_it_gives_up_after_the_last_attempt(clinic, now, scripted):
    scripted.script = [RetryableSmsError("HTTP 503")] * MAX_ATTEMPTS
    message = one_sms(now)
    moment = now
    for _attempt in range(MAX_ATTEMPTS):
        dispatch_due("w1", now=moment)
        moment = refreshed(message).due_at
    message = refreshed(message)
    assert (message.status, message.attempts, scripted.calls) == (Status.FAILED, MAX_ATTEMPTS, MAX_ATTEMPTS)
    assert "gave up" in message.last_error
    assert dispatch_due("w1", now=now + timedelta(days=2)) == 0


def test_a_permanent_error_fails_at_once(clinic, now, scripted):
    scripted.script = [PermanentSmsError("Twilio 21211: invalid To number")]
    message = one_sms(now)
    dispatch_due("w1", now=now)
    assert dispatch_due("w1", now=now + timedelta(days=1)) == 0
    message = refreshed(message)
    assert (message.status, message.last_error, scripted.calls) == (
        Status.FAILED, "Twilio 21211: invalid To number", 1,
    )  # fmt: skip


def test_an_answer_that_never_came_leaves_the_message_unknown(clinic, now, scripted):
    scripted.script = [UncertainSmsError("read timeout")]
    message = one_sms(now)
    dispatch_due("w1", now=now)
    assert dispatch_due("w1", now=now + timedelta(days=1)) == 0
    assert refreshed(message).status == Status.UNKNOWN


def test_a_provider_opt_out_fails_the_message_and_records_the_number(clinic, now, scripted):
    scripted.script = [OptedOutSmsError("Twilio 21610: recipient unsubscribed")]
    first = one_sms(now)
    later = one_sms(now + timedelta(days=1), dedupe_key="later")
    dispatch_due("w1", now=now)
    assert refreshed(first).status == Status.FAILED
    assert refreshed(later).status == Status.CANCELLED
    assert SmsOptOut.objects.filter(phone="+33612345678").exists()


def test_a_number_no_backend_may_reach_fails_without_being_sent(clinic, now):
    message = one_sms(now, recipient="+33123456789")  # a landline
    dispatch_due("w1", now=now)
    assert refreshed(message).status == Status.FAILED
    assert sent_references() == []


# ---------------------------------------------------------------- reasons not to send


def test_an_opted_out_number_is_not_texted(clinic, now):
    SmsOptOut.objects.create(phone="+33612345678")
    message = one_sms(now)
    assert dispatch_due("w1", now=now) == 0
    message = refreshed(message)
    assert (message.status, message.last_error) == (Status.CANCELLED, "number opted out (STOP)")
    assert sent_references() == []


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_a_channel_the_clinic_turned_off_sends_nothing(db, now, channel, inbox):
    make_clinic(sms_enabled=channel != "sms", email_enabled=channel != "email")
    recipient = "+33612345678" if channel == "sms" else "paul@example.org"
    message = one_sms(now, channel=channel, recipient=recipient)
    assert dispatch_due("w1", now=now) == 0
    assert refreshed(message).status == Status.CANCELLED
    assert sent_references() == [] and inbox.messages == []


@pytest.fixture
def appointment(alice, consultation):
    return make_appointment(alice, consultation, paris(2027, 3, 8, 9, 0))


def reminder(appointment, now) -> OutgoingMessage:
    return one_sms(now, kind="reminder", appointment=appointment, appointment_start=appointment.start)


def test_a_reminder_is_sent_for_an_appointment_still_booked(now, appointment):
    message = reminder(appointment, now)
    assert dispatch_due("w1", now=now) == 1
    assert refreshed(message).status == Status.SENT


def test_a_reminder_of_a_cancelled_appointment_is_not_sent(now, appointment):
    message = reminder(appointment, now)
    Appointment.objects.filter(pk=appointment.pk).update(status="cancelled", cancelled_at=now)
    assert dispatch_due("w1", now=now) == 0
    assert (refreshed(message).status, message.last_error) == (Status.CANCELLED, "appointment cancelled")
    assert sent_references() == []


def test_a_reminder_of_a_moved_appointment_is_not_sent(now, appointment):
    message = reminder(appointment, now)
    Appointment.objects.filter(pk=appointment.pk).update(
        start=appointment.start + timedelta(hours=1), end=appointment.end + timedelta(hours=1)
    )
    assert dispatch_due("w1", now=now) == 0
    assert (refreshed(message).status, message.last_error) == (Status.CANCELLED, "appointment moved")


def test_a_confirmation_held_up_past_the_appointment_is_not_sent(appointment):
    confirmation = one_sms(paris(2027, 3, 8, 8, 0), appointment=appointment)
    notice = one_sms(paris(2027, 3, 8, 8, 0), kind="cancellation", appointment=appointment, dedupe_key="two")
    assert dispatch_due("w1", now=paris(2027, 3, 8, 9, 0)) == 1  # the cancellation notice still explains
    assert (refreshed(confirmation).status, confirmation.last_error) == (Status.CANCELLED, "appointment already begun")
    assert refreshed(notice).status == Status.SENT


def test_an_early_undelivered_report_keeps_its_error(clinic, now):
    message = one_sms(now)
    [claimed] = claim("w1", now=now)
    OutgoingMessage.objects.filter(pk=message.pk).update(
        delivery_status="undelivered", last_error="undelivered: Twilio error 30003"
    )
    assert deliver(claimed, now=now) == Status.SENT
    message = refreshed(message)
    assert (message.delivery_status, message.last_error) == ("undelivered", "undelivered: Twilio error 30003")


def test_an_alert_to_the_clinic_goes_even_with_e_mails_to_patients_off(clinic, now, inbox):
    Clinic.objects.filter(pk=1).update(email_enabled=False)
    alert = one_sms(now, channel="email", kind="alert", recipient="admin@example.org", subject="Alerte")
    assert dispatch_due("w1", now=now) == 1
    assert refreshed(alert).status == Status.SENT


def test_a_delivery_report_stored_before_the_worker_finished_is_kept(clinic, now):
    message = one_sms(now)
    [claimed] = claim("w1", now=now)
    OutgoingMessage.objects.filter(pk=message.pk).update(delivery_status="delivered")  # the early webhook
    assert deliver(claimed, now=now) == Status.SENT
    message = refreshed(message)
    assert message.delivery_status == "delivered" and message.provider_id.startswith("file-")


# ---------------------------------------------------------------- quiet hours


def test_quiet_hours_span_midnight_in_paris(clinic):
    clinic = Clinic.load()
    assert quiet_hours_end(clinic, paris(2027, 3, 1, 19, 59)) is None
    assert quiet_hours_end(clinic, paris(2027, 3, 1, 20, 0)) == paris(2027, 3, 2, 8, 0)
    assert quiet_hours_end(clinic, paris(2027, 3, 2, 3, 0)) == paris(2027, 3, 2, 8, 0)
    assert quiet_hours_end(clinic, paris(2027, 3, 2, 8, 0)) is None
    # The night the clocks go forward is an hour shorter.
    end = quiet_hours_end(clinic, paris(2027, 3, 27, 23, 0))
    assert end == paris(2027, 3, 28, 8, 0)
    assert end.astimezone(UTC) - paris(2027, 3, 27, 23, 0).astimezone(UTC) == timedelta(hours=8)


def test_an_sms_due_at_night_waits_for_the_morning_uncounted(clinic, inbox):
    evening = paris(2027, 3, 1, 22, 30)
    sms = one_sms(evening)
    email = one_sms(evening, channel="email", recipient="paul@example.org", dedupe_key="mail")
    with time_machine.travel(evening, tick=False):  # a code is useless 10 minutes after it was queued
        code = one_sms(evening, kind="verification", dedupe_key="code")
    assert dispatch_due("w1", now=evening) == 2  # the e-mail, and the code the patient is waiting for
    sms = refreshed(sms)
    assert (sms.status, sms.due_at, sms.attempts) == (Status.PENDING, paris(2027, 3, 2, 8, 0), 0)
    assert refreshed(email).status == refreshed(code).status == Status.SENT
    assert dispatch_due("w1", now=paris(2027, 3, 2, 7, 59)) == 0
    assert dispatch_due("w1", now=paris(2027, 3, 2, 8, 0)) == 1
    assert sent_references() == [f"message-{code.pk}", f"message-{sms.pk}"]


# ---------------------------------------------------------------- claims and leases


def test_a_claimed_message_is_not_claimed_again_while_its_lease_runs(clinic, now):
    message = one_sms(now)
    assert [m.pk for m in claim("w1", now=now)] == [message.pk]
    assert claim("w2", now=now + LEASE - timedelta(seconds=1)) == []
    # w1 died before sending: once the lease is over, w2 sends it, and w1 can no longer.
    [again] = claim("w2", now=now + LEASE + timedelta(seconds=1))
    assert (again.claimed_by, again.attempts) == ("w2", 2)
    assert deliver(message, now=now) == ""
    assert deliver(again, now=now) == Status.SENT
    assert sent_references() == [f"message-{message.pk}"]


def test_a_message_left_sending_becomes_unknown_and_is_never_resent(clinic, now, caplog):
    message = one_sms(now)
    claim("w1", now=now)
    OutgoingMessage.objects.filter(pk=message.pk).update(status=Status.SENDING)  # w1 died calling the provider
    assert dispatch_due("w2", now=now + LEASE) == 0  # its lease is not over yet
    assert refreshed(message).status == Status.SENDING
    assert dispatch_due("w2", now=now + LEASE + timedelta(seconds=1)) == 0
    assert refreshed(message).status == Status.UNKNOWN
    assert f"message {message.pk}: worker stopped while sending" in caplog.text
    assert "+3361" not in caplog.text and sent_references() == []


def test_a_message_whose_workers_keep_dying_fails_in_the_end(clinic, now):
    message = one_sms(now)
    moment = now
    for _attempt in range(MAX_ATTEMPTS):
        assert claim("w", now=moment)
        moment += LEASE + timedelta(seconds=1)
    assert claim("w", now=moment) == []
    assert refreshed(message).status == Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_one_outbox_send_each_message_once(now):
    make_clinic()
    ids = queue_sms(600, due_at=now)
    barrier = threading.Barrier(2)
    counts, errors = [], []

    def work(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            counts.append(dispatch_due(name, now=now, limit=20))
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=work, args=(name,)) for name in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and sum(counts) == 600 and all(counts), counts  # both took a share
    references = sent_references()
    assert sorted(references) == sorted(f"message-{pk}" for pk in ids)
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.django_db(transaction=True)
def test_without_claims_two_workers_would_text_twice(now, settings):
    """The negative control: the count above sees duplicates when rows are not claimed."""
    from clinic_instance.sms import get_backend

    make_clinic()
    queue_sms(50, due_at=now)

    def unguarded() -> None:
        backend = get_backend()
        for message in OutgoingMessage.objects.filter(status=Status.PENDING):
            backend.send(message.recipient, message.body, reference=f"message-{message.pk}")
        connection.close()

    threads = [threading.Thread(target=unguarded) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    references = sent_references()
    assert len(references) == 100 and len(set(references)) == 50


# ---------------------------------------------------------------- waking the dispatcher


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_never_breaks_the_transaction_that_queued(now, caplog):
    make_clinic()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with celery_broker(f"redis://127.0.0.1:{port}/10"), transaction.atomic():
        message = one_sms(now)
        wake_dispatcher_on_commit()
    assert OutgoingMessage.objects.get(pk=message.pk).status == Status.PENDING  # committed
    assert "could not wake the dispatcher" in caplog.text and "+336" not in caplog.text
    assert dispatch_due("beat", now=now) == 1  # beat's next run sends it
    assert sent_references() == [f"message-{message.pk}"]


def test_a_broker_that_just_failed_is_not_waited_for_twice(caplog):
    """A cancellation wakes two workers; with the broker hung, the request must wait once, not twice."""
    import time as clock

    from clinic_instance.wakeups import OFFER_WAITLIST_SLOTS, SEND_MESSAGES, send_soon

    with socket.socket() as silent:  # accepts connections (the backlog) but never answers: a hung Redis
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        with celery_broker(f"redis://127.0.0.1:{silent.getsockname()[1]}/10"):
            started = clock.monotonic()
            assert send_soon(SEND_MESSAGES) is False
            first = clock.monotonic() - started
            assert send_soon(OFFER_WAITLIST_SLOTS) is False
            second = clock.monotonic() - started - first
    assert first >= 1.5 and second < 0.1
    assert "the broker failed a moment ago" in caplog.text


def test_wake_ups_reuse_one_connection_and_survive_a_broker_restart(tmp_path):
    """Each wake-up used to open a connection (~10 ms of a booking's ~20): one is kept per thread. A broker
    restart breaks its socket; the first wake-up after it still goes."""
    import redis

    from clinic_instance import wakeups
    from clinic_instance.wakeups import SEND_MESSAGES, send_soon
    from tests.redis_server import RedisServer

    with RedisServer(tmp_path / "redis") as server, celery_broker(server.url):
        queued = redis.Redis.from_url(server.url)
        assert send_soon(SEND_MESSAGES) is True
        kept = wakeups._kept_connection()
        assert kept is not None
        assert send_soon(SEND_MESSAGES) is True
        assert wakeups._kept_connection() is kept  # the same connection, not a new one per wake-up
        assert queued.llen("celery") == 2
        server.kill()
        server.start()  # empty, same port: the kept connection's socket is dead
        assert send_soon(SEND_MESSAGES) is True
        assert queued.llen("celery") == 1
        queued.close()
    assert wakeups._kept_connection() is None  # another broker configured: the old connection is dropped


@pytest.mark.django_db(transaction=True)
def test_a_profile_saved_while_the_broker_is_down_does_not_wait_for_it(settings, caplog):
    """The federation's post-commit delivery uses the same one-try wake-up (a plain publish waits for ever)."""
    import time as clock

    from clinic_instance.models import DirectoryRegistration, OutboxMessage
    from tests.factories import make_practitioner

    settings.REDIS_URL = "redis://127.0.0.1:6379/10"  # a broker is configured, and down
    make_clinic()
    DirectoryRegistration.objects.create(base_url="https://annuaire.example", name="Annuaire", status="approved")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with celery_broker(f"redis://127.0.0.1:{port}/10"):
        started = clock.monotonic()
        make_practitioner("Alice", "Durand", specialty_code="medecine-generale")
        took = clock.monotonic() - started
    assert took < 5
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).exists()  # delivered later by beat
    assert "could not ask for a delivery now" in caplog.text
