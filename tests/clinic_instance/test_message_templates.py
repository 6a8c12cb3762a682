"""The clinic's own wording of messages: rendered in a sandbox, refused when it reaches beyond its context."""

import pytest
from django.core.exceptions import ValidationError

from clinic_instance import message_templates, patient_messages
from clinic_instance.message_templates import check_sms_length, check_template, render, render_message
from clinic_instance.models import MessageTemplate, OutgoingMessage
from tests.factories import make_appointment, make_patient, paris

pytestmark = pytest.mark.django_db

CONTEXT = {
    "clinic": "Cabinet des Lilas",
    "date": "lundi 1 mars 2027",
    "time": "09:20",
    "practitioner": "Dr Alice Durand",
    "manage_url": "https://rdv.lilas.example/appointment/abc/",
    "clinic_phone": "+33123456789",
}


@pytest.mark.parametrize(
    "source",
    [
        "{{ patient.phone }}",
        "{{ appointment.visit_reason }}",
        "{% load i18n %}{{ clinic }}",
        "{% include 'clinic_instance/workspace/base.html' %}",
        "{% extends 'clinic_instance/workspace/base.html' %}",
        "{{ clinic.__class__ }}",
        "{{ clinic.upper }}",
        "{{ manage_url.split }}",
        "{% if patient.phone %}x{% endif %}",
        "{% if clinic and not settings.SECRET_KEY %}x{% endif %}",
        "{{ clinic|default:patient.phone }}",
        "{{ clinic|safe }}",
        "{{ clinic|pprint }}",
        "{% debug %}",
        "{% for x in clinic %}{{ x }}{% endfor %}",
        "{% with p=clinic %}{{ p }}{% endwith %}",
        "{% now 'Y' %}",
        "{% if clinic %}unclosed",
    ],
)
def test_a_template_reaching_beyond_its_context_is_refused(source):
    with pytest.raises(ValidationError):
        check_template(source)


@pytest.mark.parametrize(
    "source",
    [
        "{{ clinic }}: RDV le {{ date }} à {{ time }} avec {{ practitioner }}. {{ manage_url }}",
        "{% if clinic_phone %}Tél. {{ clinic_phone }}{% else %}—{% endif %}",
        "{{ clinic|upper }} {{ practitioner|default:'votre praticien' }} {{ clinic|truncatechars:20 }}",
        "{% comment %}note for the staff{% endcomment %}{{ date|capfirst }}",
    ],
)
def test_a_template_within_its_context_is_accepted(source):
    check_template(source)


def test_every_default_template_passes_its_own_check():
    for kind in message_templates.EDITABLE_KINDS:
        for channel in ("sms", "email"):
            for language in message_templates.LANGUAGES:
                subject, body = message_templates.default_source(kind, channel, language)
                check_template(subject)
                check_template(body)
                if channel == "sms":
                    check_sms_length(body, CONTEXT)


def test_rendering_does_not_escape_and_names_nothing_outside_the_context():
    assert render("{{ clinic }} & <b>{{ missing }}</b>", {"clinic": "A & B"}) == "A & B & <b></b>"


def test_an_sms_template_too_long_with_long_names_is_refused():
    with pytest.raises(ValidationError):
        check_sms_length("{{ clinic }} " * 8, CONTEXT)


def test_the_clinics_template_replaces_the_default_in_its_language_only(clinic, alice, consultation, now, settings):
    settings.OPENRDV_BASE_URL = "https://rdv.lilas.example"
    MessageTemplate.objects.create(
        kind="confirmation", channel="sms", language="fr", body="{{ clinic|upper }} : à bientôt le {{ date }}."
    )
    french = make_appointment(alice, consultation, paris(2027, 3, 15, 9), patient=make_patient(language="fr"))
    english = make_appointment(
        alice, consultation, paris(2027, 3, 15, 10), patient=make_patient("Ann", "Lee", language="en")
    )
    for appointment in (french, english):
        patient_messages.queue_booking_messages(appointment, now=now)
    bodies = dict(OutgoingMessage.objects.filter(kind="confirmation", channel="sms").values_list("language", "body"))
    assert bodies["fr"] == "CABINET DES LILAS : à bientôt le lundi 15 mars 2027."
    assert bodies["en"].startswith("Cabinet des Lilas: appointment confirmed with Dr Alice Durand on Monday 15 March")


def test_an_e_mail_subject_is_one_line():
    MessageTemplate.objects.create(kind="reminder", channel="email", language="en", subject="A\n{{ date }}\r\nB",
                                   body="x")  # fmt: skip
    assert render_message("reminder", "email", "en", CONTEXT).subject == "A lundi 1 mars 2027 B"
