"""Administrators' pages for the wording of messages to patients: list, edit with a preview, reset."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.template import TemplateSyntaxError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from config.federation_node import base_url

from .. import audit, message_templates, outbox_review
from ..models import AuditEntry, Clinic, MessageTemplate
from ..models.messages import Channel, Kind
from .access import administrator_required
from .rendering import render_workspace

LANGUAGE_NAMES = {"fr": gettext_lazy("French"), "en": gettext_lazy("English")}


class MessageTemplateForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200, required=False)
    body = forms.CharField(label=gettext_lazy("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, channel: str, sample: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.channel, self.sample = channel, sample
        if channel == Channel.SMS:
            del self.fields["subject"]
        else:
            self.fields["subject"].required = True

    def clean_subject(self) -> str:
        message_templates.check_template(self.cleaned_data["subject"])
        return self.cleaned_data["subject"]

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        message_templates.check_template(body)
        if self.channel == Channel.SMS:
            message_templates.check_sms_length(body, self.sample)
        return body


@require_GET
@administrator_required
def message_templates_list(request: HttpRequest):
    custom = set(MessageTemplate.objects.values_list("kind", "channel", "language"))
    rows = [
        {
            "kind": kind,
            "label": Kind(kind).label,
            "cells": [
                {"channel": channel, "language": language, "custom": (kind, channel, language) in custom}
                for channel in Channel.values
                for language in message_templates.LANGUAGES
            ],
        }
        for kind in message_templates.EDITABLE_KINDS
    ]
    columns = [
        {"channel": Channel(channel).label, "language": LANGUAGE_NAMES[language]}
        for channel in Channel.values
        for language in message_templates.LANGUAGES
    ]
    return render_workspace(
        request,
        "clinic_instance/workspace/message_templates.html",
        {"rows": rows, "columns": columns, "not_sent": outbox_review.count_not_sent()},
        section="message-templates",
    )


@require_http_methods(["GET", "POST"])
@administrator_required
def message_template(request: HttpRequest, kind: str, channel: str, language: str):
    if kind not in message_templates.EDITABLE_KINDS or channel not in Channel.values:
        raise Http404
    if language not in message_templates.LANGUAGES:
        raise Http404
    clinic = Clinic.load()
    sample = message_templates.sample_context(
        language, clinic_name=clinic.name, clinic_phone=clinic.phone, base_url=base_url(request)
    )
    default_subject, default_body = message_templates.default_source(kind, channel, language)
    current = MessageTemplate.objects.filter(kind=kind, channel=channel, language=language).first()
    label = f"{Kind(kind).label} · {Channel(channel).label} · {LANGUAGE_NAMES[language]}"
    action = request.POST.get("action", "preview") if request.method == "POST" else ""

    if action == "reset":
        if current is not None:
            with transaction.atomic():
                current.delete()
                audit.record(request, AuditEntry.Action.UPDATE, AuditEntry.ObjectType.CLINIC,
                             detail=f"message template {kind}/{channel}/{language} reset to default")  # fmt: skip
        messages.success(request, _("The default text is back."))
        return redirect("workspace:message-template", kind=kind, channel=channel, language=language)

    initial = {
        "subject": current.subject if current else default_subject,
        "body": current.body if current else default_body,
    }
    form = MessageTemplateForm(request.POST or None, initial=initial, channel=channel, sample=sample)
    preview = None
    if request.method == "POST" and form.is_valid():
        if action == "save":
            with transaction.atomic():
                MessageTemplate.objects.update_or_create(
                    kind=kind, channel=channel, language=language,
                    defaults={"subject": form.cleaned_data.get("subject", ""), "body": form.cleaned_data["body"]},
                )  # fmt: skip
                audit.record(request, AuditEntry.Action.UPDATE, AuditEntry.ObjectType.CLINIC,
                             detail=f"message template {kind}/{channel}/{language} changed")  # fmt: skip
            messages.success(request, _("The text is saved."))
            return redirect("workspace:message-template", kind=kind, channel=channel, language=language)
        preview = _render(form.cleaned_data.get("subject", ""), form.cleaned_data["body"], sample, language)
    elif request.method == "GET":
        preview = _render(initial["subject"], initial["body"], sample, language)
    return render_workspace(
        request,
        "clinic_instance/workspace/message_template.html",
        {
            "form": form,
            "label": label,
            "channel": channel,
            "custom": current is not None,
            "default_subject": default_subject,
            "default_body": default_body,
            "preview": preview,
            "variables": message_templates.CONTEXT_NAMES,
            "kind": kind,
            "language": language,
        },
        section="message-templates",
    )


def _render(subject: str, body: str, sample: dict[str, str], language: str) -> dict[str, str | int] | None:
    """The preview; None for a stored template that no longer parses (saved around the check)."""
    try:
        rendered = message_templates.render_pair(subject, body, sample, language)
    except TemplateSyntaxError:
        return None
    return {"subject": rendered.subject, "body": rendered.body, "length": len(rendered.body)}
