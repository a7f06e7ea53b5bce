"""Submitting an admin change page as a person would: the data the page shows, with some
fields changed."""

from django import forms


def _field_data(form, prefix_name=lambda name: name) -> dict:
    data = {}
    for name in form.fields:
        if form.fields[name].disabled:
            continue
        value = form[name].value()
        if value is None or value is False:
            continue  # an empty field, or an unticked box, is not sent
        widget = form.fields[name].widget
        if isinstance(widget, forms.MultiWidget):  # e.g. a date and a time input
            parts = value if isinstance(value, list) else widget.decompress(value)
            for suffix, sub, part in zip(widget.widgets_names, widget.widgets, parts, strict=True):
                data[prefix_name(name) + suffix] = sub.format_value(part) or ""
            continue
        data[prefix_name(name)] = "on" if value is True else value
    return data


def change_form_data(client, url: str, **changes) -> dict:
    """The POST body of the admin page at `url` as it stands, inline formsets included,
    with `changes` applied to the main form."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    form = response.context["adminform"].form
    data = _field_data(form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data |= {management.add_prefix(k): v for k, v in management.initial.items()}
        for child in formset.forms:
            data |= _field_data(child, child.add_prefix)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data
