"""The wording of messages to patients: defaults in code, the clinic's own versions in MessageTemplate.

Both are Django template source rendered in a sandbox: an Engine with no
libraries beyond the built-ins, a context of six plain strings, and a check
on save that the template uses only allowed tags and filters and names only
those six variables (no attribute lookups). Strings have no attribute worth
reading, and the check refuses even those, so a template cannot reach the
patient's record or anything else.

Defaults are English source strings translated by gettext: rendered under
translation.override(language) they come out in the patient's language.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Node, Template, TemplateSyntaxError
from django.template.base import FilterExpression, TextNode, Variable, VariableNode
from django.template.defaulttags import CommentNode, IfNode
from django.utils import dateformat, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.template_format import phone_display

from .availability import clinic_timezone
from .models import MessageTemplate
from .models.messages import Channel, Kind

logger = logging.getLogger("openrdv.messages")
# What a template may name: plain strings, computed for each message.
CONTEXT_NAMES = ("clinic", "date", "time", "practitioner", "manage_url", "clinic_phone")
ALLOWED_NODES = (TextNode, VariableNode, IfNode, CommentNode)
ALLOWED_FILTERS = frozenset({"default", "upper", "lower", "capfirst", "title", "truncatechars"})
# Two concatenated SMS segments of the GSM 7-bit alphabet.
SMS_MAX_LENGTH = 306
# Long names are cut in SMS so that every message fits in two segments.
SMS_NAME_LENGTH = 40
# The kinds this module words; verification codes and alerts are worded where they are sent.
# For a waiting-list offer, manage_url is the offer's link.
EDITABLE_KINDS = (
    Kind.CONFIRMATION,
    Kind.REMINDER,
    Kind.CHANGE,
    Kind.CANCELLATION,
    Kind.ABSENCE,
    Kind.WAITLIST_OFFER,
)
LANGUAGES = ("fr", "en")
SAMPLE_START = datetime(2027, 3, 1, 9, 20, tzinfo=ZoneInfo("Europe/Paris"))

_ENGINE = Engine(libraries={}, autoescape=False, debug=False, string_if_invalid="")
_ALLOWED_FILTER_FUNCTIONS = {
    library.filters[name]: name
    for library in _ENGINE.template_builtins
    for name in ALLOWED_FILTERS & library.filters.keys()
}

# (kind, channel) -> (subject, body). SMS have no subject.
_DEFAULTS = {
    (Kind.CONFIRMATION, Channel.SMS): (
        "",
        gettext_lazy(
            "{{ clinic }}: appointment confirmed with {{ practitioner }} on {{ date }} at {{ time }}. "
            "To cancel or move it: {{ manage_url }}"
        ),
    ),
    (Kind.CONFIRMATION, Channel.EMAIL): (
        gettext_lazy("Your appointment on {{ date }} at {{ time }} is confirmed"),
        gettext_lazy(
            "Hello,\n\nYour appointment with {{ practitioner }} ({{ clinic }}) is confirmed for {{ date }} at "
            "{{ time }}.\n\nTo cancel or move it, use this link (keep it to yourself: it gives access to your "
            "appointment):\n{{ manage_url }}\n\nThe attached file adds the appointment to your calendar."
            "{% if clinic_phone %}\n\nTo reach the clinic: {{ clinic_phone }}{% endif %}\n\n{{ clinic }}"
        ),
    ),
    (Kind.REMINDER, Channel.SMS): (
        "",
        gettext_lazy(
            "{{ clinic }}: reminder of your appointment with {{ practitioner }} on {{ date }} at {{ time }}. "
            "To cancel or move it: {{ manage_url }}"
        ),
    ),
    (Kind.REMINDER, Channel.EMAIL): (
        gettext_lazy("Reminder: your appointment on {{ date }} at {{ time }}"),
        gettext_lazy(
            "Hello,\n\nThis is a reminder of your appointment with {{ practitioner }} ({{ clinic }}) on "
            "{{ date }} at {{ time }}.\n\nIf you cannot come, please cancel or move it so that another patient "
            "can have the time:\n{{ manage_url }}"
            "{% if clinic_phone %}\n\nTo reach the clinic: {{ clinic_phone }}{% endif %}\n\n{{ clinic }}"
        ),
    ),
    (Kind.CHANGE, Channel.SMS): (
        "",
        gettext_lazy(
            "{{ clinic }}: your appointment with {{ practitioner }} is now on {{ date }} at {{ time }}. "
            "Details: {{ manage_url }}"
        ),
    ),
    (Kind.CHANGE, Channel.EMAIL): (
        gettext_lazy("Your appointment is now on {{ date }} at {{ time }}"),
        gettext_lazy(
            "Hello,\n\nYour appointment with {{ practitioner }} ({{ clinic }}) has been moved. "
            "It is now on {{ date }} at {{ time }}.\n\nTo see, cancel or move it:\n{{ manage_url }}"
            "{% if clinic_phone %}\n\nTo reach the clinic: {{ clinic_phone }}{% endif %}\n\n{{ clinic }}"
        ),
    ),
    (Kind.CANCELLATION, Channel.SMS): (
        "",
        gettext_lazy(
            "{{ clinic }}: your appointment with {{ practitioner }} on {{ date }} at {{ time }} is cancelled."
            "{% if clinic_phone %} To book again: {{ clinic_phone }}{% endif %}"
        ),
    ),
    (Kind.CANCELLATION, Channel.EMAIL): (
        gettext_lazy("Your appointment on {{ date }} at {{ time }} is cancelled"),
        gettext_lazy(
            "Hello,\n\nYour appointment with {{ practitioner }} ({{ clinic }}) on {{ date }} at {{ time }} "
            "is cancelled.{% if clinic_phone %}\n\nTo book another appointment, call the clinic: "
            "{{ clinic_phone }}{% endif %}\n\n{{ clinic }}"
        ),
    ),
    (Kind.ABSENCE, Channel.SMS): (
        "",
        gettext_lazy(
            "{{ clinic }}: {{ practitioner }} will be absent. Your appointment on {{ date }} at {{ time }} "
            "is cancelled.{% if clinic_phone %} To book again: {{ clinic_phone }}{% endif %}"
        ),
    ),
    (Kind.ABSENCE, Channel.EMAIL): (
        gettext_lazy("Your appointment on {{ date }} at {{ time }} is cancelled"),
        gettext_lazy(
            "Hello,\n\n{{ practitioner }} ({{ clinic }}) will be absent: your appointment on {{ date }} at "
            "{{ time }} is cancelled. We apologise for the inconvenience."
            "{% if clinic_phone %}\n\nTo book another appointment, call the clinic: {{ clinic_phone }}{% endif %}"
            "\n\n{{ clinic }}"
        ),
    ),
    (Kind.WAITLIST_OFFER, Channel.SMS): (
        "",
        gettext_lazy(
            "{{ clinic }}: a time has freed up with {{ practitioner }} on {{ date }} at {{ time }}. It is held "
            "for you for a short while; to take it: {{ manage_url }}"
        ),
    ),
    (Kind.WAITLIST_OFFER, Channel.EMAIL): (
        gettext_lazy("A time has freed up on {{ date }} at {{ time }}"),
        gettext_lazy(
            "Hello,\n\nYou are on the waiting list of {{ practitioner }} ({{ clinic }}). A time has freed up "
            "on {{ date }} at {{ time }}.\n\nIt is held for you for a short while. To take it, or to let "
            "the next patient have it:\n{{ manage_url }}\n\nAfter that, whoever confirms first gets it."
            "{% if clinic_phone %}\n\nTo reach the clinic: {{ clinic_phone }}{% endif %}\n\n{{ clinic }}"
        ),
    ),
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def default_source(kind: str, channel: str, language: str) -> tuple[str, str]:
    """The default (subject, body) template source of a message, in `language`."""
    subject, body = _DEFAULTS[(kind, channel)]
    with translation.override(language):
        return str(subject), str(body)


# The clinic's own wordings of one language, by (kind, channel, language): read once for a batch of messages.
CustomTemplates = dict[tuple[str, str, str], tuple[str, str]]


def custom_templates(language: str) -> CustomTemplates:
    """Every wording the clinic wrote in `language`, in one query (a booking queues up to six messages)."""
    return {
        (template.kind, template.channel, template.language): (template.subject, template.body)
        for template in MessageTemplate.objects.filter(language=language)
    }


def template_source(kind: str, channel: str, language: str, custom: CustomTemplates | None = None) -> tuple[str, str]:
    """The clinic's own wording if it has one (from `custom` when the caller read them), else the default."""
    if custom is not None:
        if (kind, channel, language) in custom:
            return custom[(kind, channel, language)]
        return default_source(kind, channel, language)
    template = MessageTemplate.objects.filter(kind=kind, channel=channel, language=language).first()
    if template is not None:
        return template.subject, template.body
    return default_source(kind, channel, language)


def render(source: str, context: dict[str, str]) -> str:
    """Render template source with exactly the CONTEXT_NAMES strings (missing ones are empty)."""
    values = {name: str(context.get(name, "")) for name in CONTEXT_NAMES}
    return _compiled(source).render(Context(values, autoescape=False)).strip()


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    """Each source is parsed once per process: parsing costs more than rendering, and sources rarely change
    (an edited wording is a new source; the old one ages out)."""
    return _ENGINE.from_string(source)


def render_message(
    kind: str, channel: str, language: str, context: dict[str, str], custom: CustomTemplates | None = None
) -> Rendered:
    """The subject and body of one message, in `language` (dates in `context` are already localised)."""
    if channel == Channel.SMS:
        context = {**context, **{name: _cut(context.get(name, "")) for name in ("clinic", "practitioner")}}
    subject, body = template_source(kind, channel, language, custom)
    try:
        return render_pair(subject, body, context, language)
    except TemplateSyntaxError:  # saved around the workspace's check (the admin, the shell): the default
        logger.warning("message template %s/%s/%s does not render; default used", kind, channel, language)
        return render_pair(*default_source(kind, channel, language), context, language)


def render_pair(subject: str, body: str, context: dict[str, str], language: str) -> Rendered:
    """Render a (subject, body) source pair in `language`; raises TemplateSyntaxError."""
    with translation.override(language):
        # A subject is one line: a template's line breaks must not reach the mail headers.
        return Rendered(subject=" ".join(render(subject, context).split()), body=render(body, context))


def date_and_time(moment: datetime, language: str) -> dict[str, str]:
    """`moment` as a message writes it, in the clinic's zone: "lundi 1 mars 2027" and "09:20"."""
    local = moment.astimezone(clinic_timezone())
    with translation.override(language):
        weekday = dateformat.format(local, "l")
        if language == "fr":  # the catalogue capitalises days for headings; French writes them in lower case
            weekday = weekday.lower()
        return {"date": f"{weekday} {dateformat.format(local, 'j F Y')}", "time": dateformat.format(local, "H:i")}


def sample_context(language: str, *, clinic_name: str, clinic_phone: str, base_url: str) -> dict[str, str]:
    """What the workspace's preview renders: this clinic, an invented appointment, a link that leads nowhere."""
    with translation.override(language):
        return {
            "clinic": clinic_name,
            **date_and_time(SAMPLE_START, language),
            "practitioner": _("Dr Camille Martin"),
            "manage_url": f"{base_url}/appointment/{'x' * 43}/",
            "clinic_phone": phone_display(clinic_phone),
        }


def check_template(source: str) -> None:
    """Refuse, with a ValidationError, template source that could read beyond the message's context."""
    try:
        template = _ENGINE.from_string(source)
    except TemplateSyntaxError as error:
        raise ValidationError(_("This template is not valid: %(error)s") % {"error": error}) from error
    for node in template.nodelist.get_nodes_by_type(Node):
        if not isinstance(node, ALLOWED_NODES):
            raise ValidationError(_("Only {% if %} and {% comment %} tags may be used."), code="tag")
        for expression in _expressions(node):
            _check_expression(expression)


def check_sms_length(source: str, sample: dict[str, str]) -> None:
    """Refuse an SMS template whose text, with the longest names, would take more than two segments."""
    longest = {**sample, "clinic": "C" * SMS_NAME_LENGTH, "practitioner": "P" * SMS_NAME_LENGTH}
    length = len(render(source, longest))
    if length > SMS_MAX_LENGTH:
        raise ValidationError(
            _("With long names this text is %(length)d characters long; an SMS may have at most %(max)d.")
            % {"length": length, "max": SMS_MAX_LENGTH},
            code="too_long",
        )


def _expressions(node: Node) -> list[FilterExpression]:
    if isinstance(node, VariableNode):
        return [node.filter_expression]
    if isinstance(node, IfNode):
        found = []
        for condition, _nodelist in node.conditions_nodelists:
            found.extend(_condition_expressions(condition))
        return found
    return []


def _condition_expressions(condition) -> list[FilterExpression]:
    """The expressions of an {% if %} condition tree (operators hold `first` and `second`)."""
    if condition is None:  # {% else %}
        return []
    value = getattr(condition, "value", None)
    if isinstance(value, FilterExpression):
        return [value]
    found = []
    for part in ("first", "second"):
        child = getattr(condition, part, None)
        if child is not None:
            found.extend(_condition_expressions(child))
    return found


def _check_expression(expression: FilterExpression) -> None:
    _check_variable(expression.var)
    for function, arguments in expression.filters:
        if function not in _ALLOWED_FILTER_FUNCTIONS:
            raise ValidationError(
                _("Only these filters may be used: %(names)s.") % {"names": ", ".join(sorted(ALLOWED_FILTERS))},
                code="filter",
            )
        for is_lookup, argument in arguments:
            if is_lookup:
                _check_variable(argument)


def _check_variable(variable) -> None:
    if not isinstance(variable, Variable) or variable.literal is not None:
        return  # a string or number written in the template
    if variable.lookups is None or len(variable.lookups) != 1 or variable.lookups[0] not in CONTEXT_NAMES:
        raise ValidationError(
            _("Unknown variable “%(name)s”. Available: %(names)s.")
            % {"name": variable.var, "names": ", ".join(CONTEXT_NAMES)},
            code="variable",
        )


def _cut(value: str) -> str:
    value = str(value)
    return value if len(value) <= SMS_NAME_LENGTH else value[: SMS_NAME_LENGTH - 1].rstrip() + "."
