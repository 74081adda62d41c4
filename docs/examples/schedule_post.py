"""Schedule a post through the REST API, retrying safely, and read its result (README, "REST API")."""

import os
import uuid

import requests

API = os.environ.get("SCHEDULER_API", "http://127.0.0.1:8000/api/v1")
api = requests.Session()
api.headers["Authorization"] = f"Bearer {os.environ['SCHEDULER_TOKEN']}"  # from create_api_token

account = api.get(f"{API}/accounts", params={"platform": "TWITTER"}, timeout=10).json()["items"][0]
body = {"accounts": [account["id"]], "text": "Hello from a script",
        "scheduled_at": "2030-05-01T09:00:00+02:00", "timezone": "Europe/Paris"}
key = str(uuid.uuid4())  # one key for every retry of this request: the post is made once
for attempt in range(3):
    try:
        answer = api.post(f"{API}/posts", json=body, headers={"Idempotency-Key": key}, timeout=10)
        break
    except (requests.ConnectionError, requests.Timeout):
        if attempt == 2:
            raise  # the answer was lost three times; the next run may send the same key again
answer.raise_for_status()
post = api.get(f"{API}/posts/{answer.json()['id']}", timeout=10).json()
print(post["status"], post["local"]["display"])
for result in post["accounts"]:
    print(result["account"]["name"], result["status"], result["url"] or result["error_message"])
