"""The consent page's form: which Sandbox account this site may post as, an existing one or a new one."""

from __future__ import annotations

from django import forms

from ..models import SandboxAccount
from .accounts import handle_problem

NEW = "__new__"


class ConsentForm(forms.Form):
    account = forms.ChoiceField(label="Post as", widget=forms.RadioSelect)
    new_handle = forms.CharField(
        label="Handle",
        required=False,
        max_length=30,
        help_text="2 to 30 lower-case letters, digits or underscores: its timeline is /sandbox/<handle>/.",
    )
    new_display_name = forms.CharField(label="Name", required=False, max_length=60)

    def __init__(self, *args, suggested_handle: str = "", suggested_name: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        accounts = list(SandboxAccount.objects.order_by("handle"))
        self.accounts = {account.handle: account for account in accounts}
        self.fields["account"].choices = [
            *((account.handle, f"@{account.handle} · {account.display_name}") for account in accounts),
            (NEW, "A new Sandbox account"),
        ]
        self.fields["account"].initial = accounts[0].handle if accounts else NEW
        # Filled in, so a first connect is one click on Allow.
        self.fields["new_handle"].initial = suggested_handle
        self.fields["new_display_name"].initial = suggested_name

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("account") == NEW:
            handle = (cleaned.get("new_handle") or "").strip().lower()
            cleaned["new_handle"] = handle
            if not handle:
                self.add_error("new_handle", "Choose a handle for the new account.")
            elif problem := handle_problem(handle):
                self.add_error("new_handle", problem)
        return cleaned

    @property
    def existing_account(self) -> SandboxAccount | None:
        return self.accounts.get(self.cleaned_data["account"])
