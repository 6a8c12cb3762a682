"""Every date parameter of every page and API is bounded (years 1900-2100) before use: never a 500.

Python's dates end at year 9999: a week ahead, a range, a conversion to UTC near that edge raised OverflowError.
"""

import json

import pytest

from tests.factories import make_appointment, make_patient, paris, patient_json
from tests.workspace import sign_in, staff_user

EXTREMES = ["9999-12-31", "9999-12-27", "0001-01-01", "10000-01-01", "9999-12-31T23:59:59+14:00", "2027-02-30", "x"]
MOMENTS = ["9999-12-31T23:59:59+14:00", "9999-12-31T23:30:00-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31", "x"]


@pytest.fixture
def world(client, alice, consultation, now):
    paul = make_patient()
    appointment = make_appointment(alice, consultation, paris(2027, 3, 2, 9), patient=paul)
    return {"alice": alice.pk, "reason": consultation.pk, "paul": paul.pk, "appointment": appointment}


def api(client, method, url, body):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


# (method, url, body, field): {v} is the extreme value.
PUBLIC_API = [
    ("get", "/api/v1/slots/?practitioner={alice}&visit_reason={reason}&from={v}&to=2027-03-02", None, "from"),
    ("get", "/api/v1/slots/?practitioner={alice}&visit_reason={reason}&from=2027-03-02&to={v}", None, "to"),
    ("get", "/api/v1/slots/?practitioner={alice}&visit_reason={reason}&from={v}&to={v}", None, "from"),
    (
        "post",
        "/api/v1/appointments/",
        {"practitioner": "{alice}", "visit_reason": "{reason}", "start": "{v}", "patient": patient_json()},
        "start",
    ),
    (
        "post",
        "/api/v1/appointments/",
        {
            "practitioner": "{alice}",
            "visit_reason": "{reason}",
            "start": "2027-03-02T10:00:00+01:00",
            "patient": patient_json(birth_date="{v}"),
        },
        "birth_date",
    ),
    ("post", "/api/v1/appointments/manage/{token}/reschedule/", {"start": "{v}"}, "start"),
]
STAFF_API = [
    ("get", "/api/v1/staff/appointments/?from={v}&to=2027-03-02", None, "from"),
    ("get", "/api/v1/staff/appointments/?from=2027-03-02&to={v}", None, "to"),
    ("get", "/api/v1/staff/absences/?from={v}", None, "from"),
    ("get", "/api/v1/staff/absences/?to={v}", None, "to"),
    ("get", "/api/v1/staff/audit/?date_from={v}", None, "date_from"),
    ("get", "/api/v1/staff/audit/?date_to={v}", None, "date_to"),
    ("post", "/api/v1/staff/absences/", {"practitioner": "{alice}", "start": "{v}", "end": "{v}"}, "start"),
    (
        "post",
        "/api/v1/staff/appointments/",
        {"practitioner": "{alice}", "visit_reason": "{reason}", "start": "{v}", "patient": "{paul}"},
        "start",
    ),
    ("post", "/api/v1/staff/appointments/{appointment_id}/move/", {"start": "{v}"}, "start"),
    ("patch", "/api/v1/staff/patients/{paul}/", {"birth_date": "{v}"}, "birth_date"),
    (
        "put",
        "/api/v1/staff/practitioners/{alice}/schedule/",
        {"ranges": [{"weekday": 0, "start_time": "09:00", "end_time": "12:00", "valid_from": "{v}"}]},
        "valid_from",
    ),
    (
        "put",
        "/api/v1/staff/practitioners/{alice}/schedule/",
        {"ranges": [{"weekday": 0, "start_time": "09:00", "end_time": "12:00", "valid_until": "{v}"}]},
        "valid_until",
    ),
]
PAGES = [
    "/book/{alice}/?reason={reason}&week={v}",
    "/book/{alice}/{reason}/?start={v}",
    "/appointment/{token}/move/?week={v}",
    "/workspace/agenda/?date={v}",
    "/workspace/agenda/week/?date={v}",
    "/workspace/agenda/print/?date={v}",
    "/workspace/agenda/events/?start={v}&end=2027-03-08",
    "/workspace/agenda/events/?start=2027-03-01&end={v}",
    "/workspace/book/?start={v}",
    "/workspace/audit/?date_from={v}&date_to={v}",
    "/workspace/messages/outbox/?date_from={v}&date_to={v}",
    "/workspace/patients/?q={v}",
]


def fill(template, values):
    if isinstance(template, str):
        whole = template.strip("{}")
        if template.startswith("{") and template.endswith("}") and whole in values and whole not in ("v", "token"):
            return values[whole]  # ids stay integers
        return template.format(**values)
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    return template


def values(world, value):
    appointment = world["appointment"]
    return {**world, "v": value, "token": appointment.manage_token, "appointment_id": appointment.pk}


def assert_400_naming(response, field):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert field in response.content.decode()


@pytest.mark.parametrize("value", EXTREMES + MOMENTS)
@pytest.mark.parametrize(("method", "url", "body", "field"), PUBLIC_API)
def test_the_public_api_answers_400_naming_the_field(client, world, method, url, body, field, value):
    filled = values(world, value)
    assert_400_naming(api(client, method, fill(url, filled), fill(body, filled)), field)


@pytest.mark.parametrize("value", EXTREMES + MOMENTS)
@pytest.mark.parametrize(("method", "url", "body", "field"), STAFF_API)
def test_the_staff_api_answers_400_naming_the_field(client, world, method, url, body, field, value):
    sign_in(client, staff_user("anne", "admin"))
    filled = values(world, value)
    assert_400_naming(api(client, method, fill(url, filled), fill(body, filled)), field)


@pytest.mark.parametrize("value", EXTREMES + MOMENTS)
@pytest.mark.parametrize("url", PAGES)
def test_pages_answer_without_a_server_error(client, world, url, value):
    sign_in(client, staff_user("anne", "admin"))
    response = client.get(fill(url, values(world, value)))
    assert response.status_code in (200, 302, 400, 404), response.status_code


@pytest.mark.parametrize("value", EXTREMES)
def test_the_patient_forms_refuse_an_extreme_birth_date(client, world, value):
    form = {**patient_json(birth_date=value), "start": "2027-03-02T10:00:00+01:00"}
    response = client.post(f"/book/{world['alice']}/{world['reason']}/", form)
    assert response.status_code == 400 and "birth_date" in response.context["form"].errors
    waitlist = {"weekdays": ["1"], "earliest": "09:00", "latest": "09:00", "until": value, **patient_json()}
    response = client.post(f"/book/{world['alice']}/{world['reason']}/waitlist/", waitlist)
    assert response.status_code == 400 and "until" in response.context["form"].errors
