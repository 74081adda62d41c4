"""The post form's media picker, server side: the library page by page with a search, and what the post's
chosen accounts would refuse of the picked assets (with the rendition that fixes it).

Thin: the admin mounts these (``MediaAssetAdmin.get_urls``), so staff login is the admin's own; every
decision is ``media_library.checking``'s.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest
from django.http import JsonResponse

from social.models import SocialAccount

from .checking import media_asset_check_accounts
from .checking import media_rules_of_accounts
from .models import MediaAsset
from .presenters import asset_card

PAGE_SIZE = 24
MAX_IDS = 50


def picker_assets(request: HttpRequest) -> JsonResponse:
    """GET ``?q=words&page=N``: the library, newest first, names and alt texts matching every word."""
    assets = MediaAsset.objects.select_related("source").order_by("-created_at", "-id")
    for word in request.GET.get("q", "").split()[:10]:
        assets = assets.filter(Q(original_name__icontains=word) | Q(alt_text__icontains=word))
    page = Paginator(assets, PAGE_SIZE).get_page(request.GET.get("page") or 1)
    return JsonResponse(
        {
            "assets": [asset_card(asset) for asset in page],
            "next_page": page.next_page_number() if page.has_next() else None,
        }
    )


def picker_check(request: HttpRequest) -> JsonResponse:
    """GET ``?assets=1,2&accounts=3,4[&platform=INSTAGRAM]``: per asset, what the accounts (those of
    ``platform`` only, for a platform's own media) would refuse, and the one rendition fixing what it can."""
    asset_ids, account_ids = _ids(request.GET.get("assets")), _ids(request.GET.get("accounts"))
    accounts = SocialAccount.objects.without_tokens().filter(pk__in=account_ids).order_by("platform", "name")
    if platform := request.GET.get("platform"):
        accounts = accounts.filter(platform=platform)
    rules = media_rules_of_accounts(accounts)
    answer = {}
    for asset in MediaAsset.objects.filter(pk__in=asset_ids):
        check = media_asset_check_accounts(asset=asset, rules=rules)
        answer[str(asset.pk)] = {
            "problems": check.messages(),
            "fix": check.fix.key if check.fix else "",
            "fix_name": check.fix_name,
            "fix_description": check.fix.describe() if check.fix else "",
        }
    return JsonResponse({"assets": answer})


def picker_cards(asset_ids: list[int]) -> dict[int, dict]:
    """The cards of the assets a post already uses (one query; none when it uses none)."""
    if not asset_ids:
        return {}
    assets = MediaAsset.objects.select_related("source").filter(pk__in=asset_ids)
    return {asset.pk: asset_card(asset) for asset in assets}


def _ids(text: str | None) -> list[int]:
    return [int(part) for part in (text or "").split(",") if part.strip().isdigit()][:MAX_IDS]
