"""Moving and cancelling through the manage link: no time inside the cutoff, one confirmation, safe when sent twice.

It is Monday 1 March 2027, 08:00 in Paris (conftest.NOW); the clinic's cutoff is 24 hours,
so the earliest time an appointment may move to is Tuesday 08:00.
"""

import json

from clinic_instance.models import Appointment, Clinic, OutgoingMessage
from tests.factories import make_appointment, make_reason, paris

MONDAY_14 = "2027-03-01T14:00:00+01:00"  # free, but inside the cutoff
TUESDAY_9 = "2027-03-02T09:00:00+01:00"  # the first time outside it
THURSDAY_10 = "2027-03-04T10:00:00+01:00"


def manage(appointment: Appointment) -> str:
    return f"/appointment/{appointment.manage_token}/"


def english(client, url, **params):
    return client.get(url, params, headers={"Accept-Language": "en"})


def test_the_move_page_offers_no_time_inside_the_cutoff(client, alice, consultation, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 5, 9, 0))
    page = english(client, f"{manage(appointment)}move/").content.decode()
    assert 'value="2027-03-01T' not in page  # today: all inside the 24 hours
    assert f'value="{TUESDAY_9}"' in page
    assert "Times from Tuesday 2 March, 08:00 are offered" in page


def test_the_move_page_opens_on_the_first_week_with_a_time_outside_the_cutoff(client, alice, consultation, now):
    Clinic.objects.filter(pk=1).update(cancellation_cutoff_hours=8 * 24)  # earliest: Tuesday 9 March, 08:00
    appointment = make_appointment(alice, consultation, paris(2027, 3, 24, 9, 0))
    page = english(client, f"{manage(appointment)}move/").content.decode()
    assert "Week of 8 March 2027" in page
    assert 'value="2027-03-08T' not in page
    assert 'value="2027-03-09T09:00:00+01:00"' in page


def test_the_page_and_the_api_refuse_a_move_inside_the_cutoff(client, alice, consultation, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 5, 9, 0))
    page = client.post(f"{manage(appointment)}move/", {"start": MONDAY_14}, headers={"Accept-Language": "en"})
    assert page.status_code == 400
    assert "This time is too soon" in page.content.decode()
    assert english(client, f"{manage(appointment)}move/", start=MONDAY_14).status_code == 400
    api = client.post(
        f"/api/v1/appointments/manage/{appointment.manage_token}/reschedule/",
        json.dumps({"start": MONDAY_14}),
        content_type="application/json",
    )
    assert api.status_code == 400
    assert api.json()["code"] == "inside_cutoff" and "start" in api.json()
    appointment.refresh_from_db()
    assert appointment.start == paris(2027, 3, 5, 9, 0)
    # The patient can still change it.
    assert "Cancel the appointment" in english(client, manage(appointment)).content.decode()


def test_choosing_a_time_asks_for_confirmation_and_moves_nothing(client, alice, consultation, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 5, 9, 0))
    response = english(client, f"{manage(appointment)}move/", start=THURSDAY_10)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Move your appointment from Friday 5 March 2027, 09:00 to Thursday 4 March 2027, 10:00?" in page
    assert f'name="start" value="{THURSDAY_10}"' in page
    assert "Confirm the move" in page and f'href="{manage(appointment)}move/?week=2027-03-04"' in page
    appointment.refresh_from_db()
    assert appointment.start == paris(2027, 3, 5, 9, 0)


def test_a_confirmed_move_sent_twice_moves_once(client, clinic, alice, consultation, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 5, 9, 0))
    for _ in range(2):
        response = client.post(f"{manage(appointment)}move/", {"start": THURSDAY_10})
        assert response.status_code == 302
        assert response["Location"] == f"{manage(appointment)}?moved=1"
    appointment.refresh_from_db()
    assert appointment.start == paris(2027, 3, 4, 10, 0)
    assert OutgoingMessage.objects.filter(kind="change", channel="sms").count() == 1


def test_cancelling_asks_for_confirmation_then_offers_to_book_again(client, alice, consultation, now):
    appointment = make_appointment(alice, consultation, paris(2027, 3, 5, 9, 0))
    manage_page = english(client, manage(appointment)).content.decode()
    assert f'action="{manage(appointment)}cancel/"' in manage_page and 'method="get"' in manage_page

    question = english(client, f"{manage(appointment)}cancel/").content.decode()
    assert "Cancel your appointment of Friday 5 March 2027, 09:00 with Dr Alice Durand?" in question
    appointment.refresh_from_db()
    assert appointment.status == "booked"

    for _ in range(2):  # sent twice: the same answer
        response = client.post(f"{manage(appointment)}cancel/")
        assert response.status_code == 302
        assert response["Location"] == f"{manage(appointment)}?cancelled=1"
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert OutgoingMessage.objects.filter(kind="cancellation", channel="sms").count() == 1
    page = english(client, manage(appointment), cancelled=1).content.decode()
    assert f'href="/book/{alice.pk}/?reason={consultation.pk}"' in page
    assert "Book another appointment" in page


def test_book_again_goes_to_the_practitioner_when_the_reason_is_not_online(client, alice, consultation, now):
    phone_only = make_reason(alice, "Urgence", 15, online_bookable=False)
    appointment = make_appointment(alice, phone_only, paris(2027, 3, 5, 9, 0))
    client.post(f"{manage(appointment)}cancel/")
    assert f'href="/book/{alice.pk}/"' in english(client, manage(appointment)).content.decode()
