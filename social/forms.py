from __future__ import annotations

from collections.abc import Sequence

from django import forms

from .models import Platform
from .models import SocialAccount
from .platforms import ConnectableAccount


class AccountPickForm(forms.Form):
    """Which of the accounts a platform offered (Facebook Pages, Instagram accounts) to connect."""

    accounts = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one account to connect."},
    )

    def __init__(
        self, *args, candidates: Sequence[ConnectableAccount], connected_ids: set[str], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        # Names and ids only: the tokens stay on the server.
        self.fields["accounts"].choices = [
            (
                candidate.external_id,
                f"{candidate.name} (already connected: its tokens will be replaced)"
                if candidate.external_id in connected_ids
                else candidate.name,
            )
            for candidate in candidates
        ]
        self._candidates = {candidate.external_id: candidate for candidate in candidates}

    def chosen(self) -> list[ConnectableAccount]:
        return [self._candidates[external_id] for external_id in self.cleaned_data["accounts"]]


class SocialAccountAdminForm(forms.ModelForm):
    """The account's change form; X accounts get a checkbox for X Premium's long posts."""

    long_posts = forms.BooleanField(
        required=False,
        label="Long posts (X Premium)",
        help_text=(
            "Tick this if the account has X Premium: its posts may then be up to 25,000 characters as X "
            "counts them. Without it, X takes 280."
        ),
    )

    class Meta:
        model = SocialAccount
        fields = ["name", "status", "owner"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.platform == Platform.TWITTER:
            self.fields["long_posts"].initial = self.instance.long_posts
        else:
            del self.fields["long_posts"]

    def save(self, commit: bool = True) -> SocialAccount:
        if "long_posts" in self.fields:
            self.instance.long_posts = self.cleaned_data["long_posts"]
        return super().save(commit=commit)
