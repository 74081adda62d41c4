"""The Bluesky PDS at the wire for the client tests: its URLs, images and blobs, and an answer to
createRecord that keeps what was sent."""

from __future__ import annotations

import io
import json

from PIL import Image

from ..helpers import Progress

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
PDS = "https://bsky.social/xrpc"
CREATE = f"{PDS}/com.atproto.repo.createRecord"
GET_RECORD = f"{PDS}/com.atproto.repo.getRecord"
UPLOAD = f"{PDS}/com.atproto.repo.uploadBlob"
RESOLVE = f"{PDS}/com.atproto.identity.resolveHandle"


def png(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def blob(cid: str, mime_type: str = "image/png", size: int = 100) -> dict:
    return {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime_type, "size": size}


class Created:
    """Answers createRecord like the PDS, keeping what was sent; checks the key was saved before the call."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.bodies: list[dict] = []

    def __call__(self, request):
        body = json.loads(request.body)
        self.bodies.append(body)
        assert self.progress.last == {"rkey": body["rkey"]}, "the record key was not saved before the call"
        uri = f"at://{body['repo']}/{body['collection']}/{body['rkey']}"
        return 200, {}, json.dumps({"uri": uri, "cid": "bafyreib2rxk3rh6kzwq", "validationStatus": "valid"})

    @property
    def record(self) -> dict:
        return self.bodies[-1]["record"]
