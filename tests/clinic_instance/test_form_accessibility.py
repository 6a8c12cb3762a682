"""Forms sent back with errors tie each help text and error to its field (issue 17, item 15)."""

from html.parser import HTMLParser

import pytest

from tests.workspace import sign_in, staff_user

PAUL = {"first_name": "Paul", "last_name": "", "birth_date": "1980-05-17", "phone": "12", "email": ""}


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.described, self.autofocus, self.fieldsets, self.empty_for = set(), [], [], 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if attrs.get("aria-describedby"):
            self.described.append((attrs.get("id") or attrs.get("name"), attrs["aria-describedby"].split()))
        if "autofocus" in attrs:
            self.autofocus.append(attrs.get("id"))
        self.fieldsets += tag == "fieldset"
        self.empty_for += tag == "label" and attrs.get("for") == ""


def parsed(response) -> Ids:
    parser = Ids()
    parser.feed(response.content.decode())
    return parser


def assert_every_description_exists(page: Ids) -> None:
    missing = [(field, ref) for field, refs in page.described for ref in refs if ref not in page.ids]
    assert missing == []


def test_the_booking_form_ties_help_texts_and_errors_to_their_fields(client, alice, consultation, now):
    response = client.post(f"/book/{alice.pk}/{consultation.pk}/", {**PAUL, "start": "2027-03-02T09:00:00+01:00"})
    assert response.status_code == 400
    page = parsed(response)
    assert_every_description_exists(page)
    described = dict(page.described)
    assert described["id_phone"] == ["id_phone_helptext", "id_phone_error"]
    assert "id_last_name_error" in described["id_last_name"]
    assert page.autofocus == ["id_last_name"]  # the first invalid field: focus goes there without JavaScript
    assert 'href="#id_last_name"' in response.content.decode()  # the summary links to the fields
    assert response.content.decode().count('aria-invalid="true"') == 2  # last name and phone


def test_the_staff_book_form_with_errors_names_only_existing_ids(client, alice, consultation, now):
    sign_in(client, staff_user("sarah", "secretary", agendas=[alice]))
    response = client.post(
        "/workspace/book/",
        {"practitioner": alice.pk, "visit_reason": consultation.pk, "day": "2027-03-01", "time": "09:20",
         "patient": "new", "first_name": "", "last_name": "Petit", "birth_date": "x", "phone": "12", "action": "book"},
    )  # fmt: skip
    assert response.status_code == 400
    page = parsed(response)
    assert_every_description_exists(page)
    assert "id_phone_error" in dict(page.described)["id_phone"]


def test_the_login_form_with_errors_names_only_existing_ids(client, db):
    response = client.post("/workspace/login/", {"username": "nobody", "password": "wrong"})
    assert_every_description_exists(parsed(response))


@pytest.mark.parametrize("data", [None, {"weekdays": [], "earliest": "", "latest": "", "until": ""}])
def test_the_waiting_list_days_are_a_fieldset_with_a_legend(client, alice, consultation, now, data):
    url = f"/book/{alice.pk}/{consultation.pk}/waitlist/"
    response = client.get(url) if data is None else client.post(url, data)
    page = parsed(response)
    assert page.fieldsets >= 1 and page.empty_for == 0
    assert "<legend>" in response.content.decode()
    assert_every_description_exists(page)
