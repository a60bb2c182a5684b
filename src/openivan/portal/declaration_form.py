"""The fields of 01/ĐK-GD on the individuals' page, named as `core.xml.individual.read_form`
takes them. The page's own checks are core's: every field is optional here, `read_form`
reports each problem with its code, and the view puts each beside its field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openivan.core.xml import individual

DATE_HINT = _("dd/mm/yyyy, e.g. 17/05/1990")


def _text(label: Any, *, required: bool = True, help_text: Any = "",
          **attrs: str) -> forms.CharField:
    field = forms.CharField(label=label, required=False, help_text=help_text,
                            widget=forms.TextInput(attrs=attrs))
    field.declared_required = required  # type: ignore[attr-defined]  # shown with a star
    return field


class IndividualDeclarationForm(forms.Form):
    full_name = _text(_("Full name"), autocomplete="name", maxlength="100")
    birth_date = _text(_("Date of birth"), help_text=DATE_HINT, autocomplete="bday",
                       inputmode="numeric")
    sex = forms.ChoiceField(label=_("Sex"), required=False, widget=forms.RadioSelect,
                            choices=[("Nam", _("Male")), ("Nu", _("Female"))])
    bhxh_number = _text(_("Social insurance number (mã số BHXH)"),
                        help_text=_("10 digits, on the insurance book or the health card"),
                        inputmode="numeric", maxlength="10")
    id_type = forms.ChoiceField(label=_("Type of identity document"), required=False, choices=[
        ("CCCD", _("Citizen identity card (CCCD)")),
        ("CMND", _("Identity card (CMND)")),
        ("HoChieu", _("Passport"))])
    id_number = _text(_("Document number"),
                      help_text=_("CCCD: 12 digits; CMND: 9 digits; passport: a letter and 7 "
                                  "digits"), maxlength="12")
    id_issued_on = _text(_("Date of issue"), help_text=DATE_HINT, inputmode="numeric")
    id_issued_by = _text(_("Place of issue"), maxlength="200")
    address = _text(_("Contact address"), autocomplete="street-address", maxlength="500")
    mobile = _text(_("Mobile phone number"),
                   help_text=_("A Vietnamese mobile number: the answer is sent to it by SMS"),
                   type="tel", autocomplete="tel", inputmode="tel")
    email = _text(_("Email address"), required=False,
                  help_text=_("Optional: the answer is sent to it as well"),
                  type="email", autocomplete="email")
    agency = _text(_("Social security office receiving the declaration"), maxlength="200",
                   list="agencies")
    transactions = forms.MultipleChoiceField(
        label=_("Transactions asked for"), required=False,
        widget=forms.CheckboxSelectMultiple, choices=list(individual.TRANSACTIONS.items()))
    place = _text(_("Place of declaration"), help_text=_("The town or province, e.g. Hà Nội"),
                  maxlength="100")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sex"].declared_required = True  # type: ignore[attr-defined]
        self.fields["id_type"].declared_required = True  # type: ignore[attr-defined]
        self.fields["transactions"].declared_required = True  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        """The submitted values as `read_form` takes them."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return {name: data.get(name) or ([] if name == "transactions" else "")
                for name in self.fields}


# read_form's problems name the element (`NgaySinh`); the page's fields are the model's names.
FIELD_OF_ELEMENT = {individual.tag(name): name for name in IndividualDeclarationForm.base_fields}
# Elements the page does not ask for (chosen on the confirmation page, or set by the portal).
CONFIRMATION_ELEMENTS = {"HinhThucNop", "NoiTiepNhan", "NgayKe"}


def anchor(form: forms.Form, name: str) -> str:
    """The id a link in the error summary points at: the field, or a group's first box."""
    bound = form[name]
    widget = bound.field.widget
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        return f"{bound.auto_id}_0"
    return str(bound.auto_id)
