"""Bearer authentication with personal API tokens, and the scopes each operation needs."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from .models import ApiToken
from .models import Scope
from .problems import Problem
from .tokens import api_token_authenticate
from .tokens import api_token_touch


class TokenAuth(HttpBearer):
    """``Authorization: Bearer sched_…``: the request then acts as the token's user."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        request.user = api_token.user
        api_token_touch(token=api_token)
        return api_token


def requires(*scopes: Scope) -> Callable:
    """An operation that needs every one of ``scopes``; a token without one gets 403 (type ``scope``).

    Ninja resolves the view's annotations in the wrapper's module: modules of views wrapped so do not
    use ``from __future__ import annotations``."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            scope_check(request, *scopes)
            return view(request, *args, **kwargs)

        checked.required_scopes = scopes
        return checked

    return decorate


def scope_check(request: HttpRequest, *scopes: Scope) -> None:
    token: ApiToken = request.auth
    missing = [str(scope) for scope in scopes if not token.has_scope(scope)]
    if missing:
        raise Problem(
            403,
            f"This token lacks the {' and '.join(map(repr, missing))} scope"
            f"{'s' if len(missing) > 1 else ''} this needs; make a token with "
            f"--scopes {','.join(sorted({*token.scopes, *missing}))}.",
            slug="scope",
        )
