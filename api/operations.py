"""Operations on one thing, each declared once: read it (GET, the read scope) or act on it (POST, the
write scope), and find it among those the user may see."""

from collections.abc import Callable

from django.db.models import Model
from django.db.models import QuerySet
from django.http import Http404
from ninja import Router

from .auth import requires
from .models import Scope
from .schemas import problems


def _on_one(method: str, scope: Scope, router: Router, path: str, out: type, **options) -> Callable:
    """The view answers ``out``, or 403 (the token lacks ``scope``, or the user a permission) or 404 (no
    such thing, or one the user may not see)."""

    def register(view: Callable) -> Callable:
        operation = router.api_operation([method], path, response={200: out, **problems(403, 404)}, **options)
        return operation(requires(scope)(view))

    return register


def read_one(router: Router, path: str, out: type, *, summary: str, url_name: str | None = None) -> Callable:
    return _on_one("GET", Scope.READ, router, path, out, summary=summary, url_name=url_name)


def act_on_one(router: Router, path: str, out: type, *, summary: str) -> Callable:
    return _on_one("POST", Scope.WRITE, router, path, out, summary=summary)


def one_visible[Row: Model](rows: QuerySet[Row], pk: int, what: str) -> Row:
    """The row ``pk`` among ``rows`` (those the user may see); 404 alike whether it is missing or hidden."""
    row = rows.filter(pk=pk).first()
    if row is None:
        raise Http404(f"No {what} {pk}.")
    return row
