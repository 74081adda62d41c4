"""The REST API, version 1: /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).

Thin: each operation checks the token's scope, finds what the user may see (404 for anything else) and
calls the same services and selectors as the admin.
"""

from ninja import NinjaAPI

from .auth import TokenAuth
from .endpoints import accounts
from .endpoints import media
from .endpoints import post_check
from .endpoints import posts
from .endpoints import queue
from .endpoints import webhooks
from .problems import CONTENT_TYPE
from .problems import PROBLEM_TYPES
from .problems import install_handlers
from .problems import problem_type
from .ratelimit import TokenRateThrottle

DESCRIPTION = """
Schedule posts to every connected account, read how they went, manage media, queue slots, webhook endpoints
and events. Every request sends `Authorization: Bearer <API token>` (make one in the admin under *API
tokens*, or with `python manage.py create_api_token USERNAME --scopes read,write,publish`). A token acts as
its user, with that user's permissions, within its scopes:

- `read`: every GET;
- `write`: create, edit, cancel and delete drafts; upload and delete media; manage webhook endpoints;
- `publish`: anything that makes a post go out: saving it as `SCHEDULED`, `scheduled_at: "queue"` or
  `"now"`, publish now, retry failed accounts, add to the queue.

**Idempotency.** Every POST that changes something takes an `Idempotency-Key` header (e.g. a UUID), kept 24 hours per token. A
retry with the same key and the same request gets the first answer again (`Idempotent-Replayed: true`); the
same key with a different request is refused with 422. A second request with a key that is still being
answered waits for the first and then gets its answer (409 with `Retry-After` if it cannot wait). Secrets
shown once (a webhook endpoint's signing secret) are not kept: a replay has `null` in their place.

**Errors** are RFC 9457 problem details (`application/problem+json`); invalid input lists each problem in
`errors` with its `field` and, when a platform refused it, its `platform`. A token that makes more than its
rate limit of requests in a minute gets 429 with `Retry-After`.

**Times** are ISO 8601 with their offset. A post also gives its author's local time.

**Pages**: lists return `{"items": [...], "next_cursor": "..."}`; pass `cursor` to get the next page. Pages
stay stable while items are added.

Problem types:
""" + "\n".join(f"- `{problem_type(slug)}`: {text}" for slug, text in PROBLEM_TYPES.items())


class ProblemDocumentingApi(NinjaAPI):
    """Ninja documents every answer as application/json; errors are application/problem+json."""

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        answer["content"] = {CONTENT_TYPE: content["application/json"]}
        return schema


api = ProblemDocumentingApi(
    title="Social scheduler API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=TokenAuth(),
    throttle=[TokenRateThrottle()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_handlers(api)
# /posts/check before /posts/{post_id}: a fixed path wins over a parameter.
for module in (accounts, post_check, posts, media, queue, webhooks):
    api.add_router("", module.router)
