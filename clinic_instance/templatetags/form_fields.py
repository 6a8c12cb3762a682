"""A form field's widget tied to its help text and its errors, for screen readers (templates/_form_fields.html)."""

from django import template
from django.forms import BoundField

register = template.Library()


@register.simple_tag
def accessible_widget(field: BoundField) -> str:
    """The widget with aria-describedby naming the help text's and the errors' ids (Django names only the
    help text's), aria-invalid when it has errors, and `autofocus` for the first invalid field of a page sent
    back: focus moves to it without JavaScript."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        described_by.append(f"{field.auto_id}_error")
    attrs = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["aria-invalid"] = "true"
        if next(f for f in field.form.visible_fields() if f.errors).name == field.name:
            attrs["autofocus"] = True
    return field.as_widget(attrs=attrs)


@register.filter
def invalid_fields(form) -> list[BoundField]:
    """The visible fields with errors, for the summary of links at the top of a form sent back."""
    return [field for field in form.visible_fields() if field.errors]
