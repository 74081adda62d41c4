"""Accounts: the ones the token's user may see and post to, their status and each platform's limits."""

from django.http import HttpRequest
from ninja import Query
from ninja import Router
from ninja import Schema
from pydantic import Field

from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus
from social.platforms import UnknownPlatformError
from social.platforms import platform_spec
from social.selectors import social_accounts_usable_by

from ..auth import requires
from ..models import Scope
from ..operations import one_visible
from ..operations import read_one
from ..pagination import keyset_page
from ..schemas import Id
from ..schemas import PageOut
from ..schemas import PageQuery
from ..schemas import Timestamp
from ..schemas import from_row
from ..schemas import problems
from ..selectors import social_account_text_length

router = Router(tags=["accounts"])


class OptionOut(Schema):
    key: str = Field(description="Its key under `platforms.<PLATFORM>` of a post.")
    label: str
    choices: list[str] = Field(description="The values it takes; empty: free text.")


class LimitsOut(Schema):
    text_length: int | None = Field(
        description="The most characters of text, as the platform counts them (a Mastodon account: its server's)."
    )
    options: list[OptionOut] = Field(description="The per-platform options a post may set for it.")


class AccountOut(Schema):
    id: int
    platform: Platform
    platform_name: str = Field(description="How people call the platform: X, Facebook, …")
    name: str
    external_id: str = Field(description="The platform's id of the account, page or channel.")
    status: SocialAccountStatus = Field(
        description="ACTIVE, NEEDS_RECONNECT (reconnect it in the admin) or DISABLED."
    )
    token_expires_at: Timestamp | None
    created_at: Timestamp
    limits: LimitsOut | None = Field(description="null when the platform is turned off here.")


class AccountFilters(PageQuery):
    platform: Platform | None = None
    status: SocialAccountStatus | None = None


def account_out(account: SocialAccount) -> AccountOut:
    try:
        spec = platform_spec(account.platform)
    except UnknownPlatformError:
        spec = None
    limits = None
    if spec is not None:
        limits = LimitsOut(
            text_length=social_account_text_length(account=account),
            options=[
                OptionOut(key=option.key, label=option.label, choices=list(option.values()))
                for option in spec.options
            ],
        )
    return from_row(
        AccountOut,
        account,
        platform_name=spec.name if spec else account.get_platform_display(),
        limits=limits,
    )


def visible_account(request: HttpRequest, account_id: Id) -> SocialAccount:
    """The account if the user may see it; 404 otherwise, whether or not it exists."""
    return one_visible(social_accounts_usable_by(user=request.user), account_id, "account")


@router.get("/accounts", response={200: PageOut[AccountOut], **problems(403, 422)}, summary="List accounts")
@requires(Scope.READ)
def account_list(request: HttpRequest, filters: Query[AccountFilters]):
    """The accounts the token's user may post to, oldest first."""
    accounts = social_accounts_usable_by(user=request.user)
    if filters.platform:
        accounts = accounts.filter(platform=filters.platform)
    if filters.status:
        accounts = accounts.filter(status=filters.status)
    page = keyset_page(accounts, time_field="created_at", cursor=filters.cursor, limit=filters.limit)
    return {"items": [account_out(account) for account in page.items], "next_cursor": page.next_cursor}


@read_one(router, "/accounts/{account_id}", AccountOut, summary="Read an account")
def account_read(request: HttpRequest, account_id: Id):
    return account_out(visible_account(request, account_id))
