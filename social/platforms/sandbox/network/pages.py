"""The network's pages: its accounts (``/sandbox/``), each account's timeline (``/sandbox/<handle>/``) and
the media posted there. Staff only, like the rest of this site: signing in to the network is signing in here.

A timeline shows what the network holds, newest first: when (in the viewer's time zone), the text, the media
and the post's id, next to the scheduler's record that names that id, so a post made twice, or made but not
recorded, shows. Nothing here reads or shows a token.
"""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..models import Fault
from ..models import SandboxAccount
from ..models import SandboxMedia
from .faults import configured_latency_ms
from .selectors import accounts_overview
from .selectors import timeline

# The timeline reloads itself this often, so a post appears while you watch.
REFRESH_SECONDS = 5


@staff_member_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "sandbox/index.html",
        {
            "title": "Sandbox accounts",
            "accounts": accounts_overview(),
            "default_latency_ms": configured_latency_ms(),
        },
    )


@staff_member_required
@require_GET
def account_timeline(request: HttpRequest, handle: str) -> HttpResponse:
    account = get_object_or_404(SandboxAccount, handle=handle)
    return render(
        request,
        "sandbox/timeline.html",
        {
            "title": f"@{account.handle} on the Sandbox",
            "account": account,
            "entries": timeline(account=account),
            "fault_on": account.fault != Fault.NONE,
            "latency_ms": account.latency_ms if account.latency_ms is not None else configured_latency_ms(),
            "refresh_seconds": REFRESH_SECONDS,
        },
    )


@staff_member_required
@require_GET
def media_file(request: HttpRequest, media_id: str) -> HttpResponse:
    media = get_object_or_404(SandboxMedia, pk=media_id)
    if not media.is_ready:
        raise Http404("This upload is not complete.")
    return FileResponse(default_storage.open(media.file.name, "rb"), content_type=media.content_type)
