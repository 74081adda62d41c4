"""Admin forms: a webhook endpoint (its URL checked by the SSRF guard) and a person's email choices."""

from __future__ import annotations

from django import forms

from .models import EMAILABLE_TYPES
from .models import SUBSCRIBABLE_TYPES
from .models import NotificationPreference
from .models import WebhookEndpoint
from .services.endpoints import webhook_events_validate
from .services.endpoints import webhook_url_validate


class WebhookEndpointForm(forms.ModelForm):
    """Checked by the services' own rules and saved through them (the admin), so it takes exactly the
    URLs the API takes: the URL as typed (no scheme assumed, nothing stripped)."""

    url = forms.CharField(
        label="URL",
        max_length=2000,
        strip=False,
        help_text="https:// to a public address. A signing secret is generated and shown once after saving.",
    )
    events = forms.MultipleChoiceField(
        choices=[(str(event_type), event_type) for event_type in SUBSCRIBABLE_TYPES],
        widget=forms.CheckboxSelectMultiple,
        initial=[str(event_type) for event_type in SUBSCRIBABLE_TYPES],
        help_text="The events this endpoint receives.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        webhook_url_validate(url)
        return url

    def clean_events(self) -> list[str]:
        return webhook_events_validate(self.cleaned_data["events"])


class NotificationPreferenceForm(forms.ModelForm):
    email_events = forms.MultipleChoiceField(
        choices=[(str(event_type), event_type.label) for event_type in EMAILABLE_TYPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Email me about",
        help_text="Emails go to the address of your user. Untick everything to get no email.",
    )

    class Meta:
        model = NotificationPreference
        fields = ["user", "email_events"]
