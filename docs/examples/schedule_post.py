"""Schedule a post through the REST API, retrying safely, and read its result (README, "REST API")."""

import os
import uuid

import requests
from requests.adapters import HTTPAdapter
from requests.adapters import Retry

API = os.environ.get("SCHEDULER_API", "http://127.0.0.1:8000/api/v1")
api = requests.Session()
api.headers["Authorization"] = f"Bearer {os.environ['SCHEDULER_TOKEN']}"  # from create_api_token
# POSTs are retried too (lost answers, 409, 429, 503): the Idempotency-Key makes a retry safe.
retry = Retry(total=3, backoff_factor=1, allowed_methods=None, status_forcelist=[409, 429, 503])
api.mount("http://", HTTPAdapter(max_retries=retry))
api.mount("https://", HTTPAdapter(max_retries=retry))

account = api.get(f"{API}/accounts", params={"platform": "TWITTER"}, timeout=10).json()["items"][0]
body = {
    "accounts": [account["id"]],
    "text": "Hello from a script",
    "scheduled_at": "2030-05-01T09:00:00+02:00",
}
answer = api.post(f"{API}/posts", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=10)
answer.raise_for_status()
post = api.get(f"{API}/posts/{answer.json()['id']}", timeout=10).json()
print(post["status"], post["local"]["display"])
for result in post["accounts"]:
    print(result["account"]["name"], result["status"], result["url"] or result["error_message"])
