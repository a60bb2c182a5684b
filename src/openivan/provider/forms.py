"""The provider's forms: each field's error in the platform's words, beside the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import parse_mobile, parse_mst, parse_unit_code


def _checked(parse: Callable[[str], Any], language: str) -> Callable[[str], str]:
    def clean(value: str) -> str:
        if not value:
            return value
        try:
            return str(getattr(parse(value), "number", None) or parse(value))
        except OpenIvanError as exc:
            raise forms.ValidationError(exc.message(language), code=exc.code) from exc
    return clean


class ProfileForm(forms.Form):
    """Thông tin đơn vị."""

    name = forms.CharField(label=_("Unit name"), max_length=500)
    unit_code = forms.CharField(label=_("Unit code"), max_length=10, required=False)
    address = forms.CharField(label=_("Address"), max_length=500)
    unit_type = forms.CharField(label=_("Type of unit"), max_length=100, required=False)
    managing_agency = forms.CharField(label=_("Managing social security office"),
                                      max_length=200)
    province = forms.CharField(label=_("Province or city"), max_length=100)
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=200,
                                           required=False)
    representative_title = forms.CharField(label=_("Title"), max_length=100, required=False)
    contact_person = forms.CharField(label=_("Contact person"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    email = forms.EmailField(label=_("Email"), max_length=254)
    licence_number = forms.CharField(label=_("Business licence number"), max_length=50,
                                     required=False)
    licence_issuer = forms.CharField(label=_("Licence issued by"), max_length=200,
                                     required=False)

    def __init__(self, *args: Any, language: str = "vi", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language = language

    def clean_unit_code(self) -> str:
        return _checked(parse_unit_code, self.language)(self.cleaned_data["unit_code"])

    def clean_phone(self) -> str:
        return _checked(parse_mobile, self.language)(self.cleaned_data["phone"])


class DeclarationForm(forms.Form):
    """What a unit types on a declaration screen besides its profile; `version` is the draft's
    version the page shows and `form_key` makes a double click one transaction."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    form_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, certificates: list[tuple[str, str]] | None = None,
                 language: str = "vi", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language = language
        if "certificate" in self.fields:
            self.fields["certificate"].choices = [("", _("— choose —")), *(certificates or [])]


class RegisterForm(DeclarationForm):
    """Đăng ký IVAN (04/ĐK-IVAN)."""

    certificate = forms.ChoiceField(label=_("Digital certificate to transact with"),
                                    required=False)


class ChangeForm(DeclarationForm):
    """Điều chỉnh IVAN (05/SĐ-IVAN): the new certificate, contact person, email."""

    certificate = forms.ChoiceField(label=_("Digital certificate to transact with"),
                                    required=False)
    contact_person = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)

    def clean_phone(self) -> str:
        return _checked(parse_mobile, self.language)(self.cleaned_data["phone"])


class StopForm(DeclarationForm):
    """Ngưng IVAN (06/NG-IVAN): the stop date and the reason, signed with the unit's
    certificate."""

    certificate = forms.ChoiceField(label=_("Digital certificate to sign with"), required=False)
    stop_on = forms.DateField(label=_("Stop from"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def clean_stop_on(self) -> str:
        value = self.cleaned_data["stop_on"]
        return value.isoformat() if value else ""


class StopOtherForm(StopForm):
    """Ngưng IVAN khác: a stop with another provider, chosen from the agency's list."""

    other_provider = forms.ChoiceField(label=_("The other I-VAN provider"), required=False)

    def __init__(self, *args: Any, providers: list[tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other_provider"].choices = [("", _("— choose —")),
                                                 *((f"{c}|{n}", f"{c} — {n}")
                                                   for c, n in providers or [])]


FORMS: dict[str, type[DeclarationForm]] = {
    "register": RegisterForm, "change": ChangeForm, "stop": StopForm,
    "stop_other": StopOtherForm,
}


class SignUpForm(forms.Form):
    """Đăng ký tài khoản of a new unit: MST (checked), name, email, phone, a password by the
    platform's rules."""

    tax_code = forms.CharField(label=_("Tax code"), max_length=14)
    name = forms.CharField(label=_("Unit name"), max_length=500)
    email = forms.EmailField(label=_("Email"), max_length=254)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput,
                                max_length=128)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput,
                                max_length=128)

    def __init__(self, *args: Any, language: str = "vi", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language = language

    def clean_tax_code(self) -> str:
        return _checked(parse_mst, self.language)(self.cleaned_data["tax_code"])

    def clean_phone(self) -> str:
        return _checked(parse_mobile, self.language)(self.cleaned_data["phone"])

    def clean_password1(self) -> str:
        password = self.cleaned_data["password1"]
        validate_password(password)
        return password

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data
