from __future__ import annotations

from collections.abc import Sequence

from django import forms

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
