"""The HTTP trigger's view called once in a process of its own: ``python -m bench.trigger_run``.

It goes through Django's URL routing, middleware and view with the bearer secret (Django's test client, no
socket), so the run it starts is the trigger's: its PublisherRun says ``http``. Prints the JSON answer.
"""

from __future__ import annotations

import os
import secrets
import sys


def main() -> None:
    secret = secrets.token_urlsafe(32)
    os.environ["CRON_SECRET"] = secret
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")

    import django

    django.setup()
    from django.test import Client

    response = Client().get(
        "/api/cron/publish-scheduled-posts", headers={"Authorization": f"Bearer {secret}"}
    )
    print(response.content.decode(), flush=True)
    sys.exit(0 if response.status_code == 200 else 1)


if __name__ == "__main__":
    main()
