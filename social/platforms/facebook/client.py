"""Facebook Pages through the Graph API: ``/{page}/feed`` for text and links, ``/{page}/photos`` for an image.

The account's ``external_id`` is the Page id and its ``access_token`` the Page token.
Options (metadata ``platforms.FACEBOOK``): ``link``, a URL to attach to a text post.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from social.models import Platform
from social.platforms.base.client import CannotTell
from social.platforms.base.client import Found
from social.platforms.base.client import InDoubtAttempt
from social.platforms.base.client import NotFound
from social.platforms.base.client import PublishError
from social.platforms.base.client import PublishPayload
from social.platforms.base.client import PublishResult
from social.platforms.base.graph import GraphClient
from social.platforms.base.http import Step
from social.platforms.base.text import is_web_url
from social.platforms.base.text import same_text

from . import MAX_TEXT_LENGTH

SUPPORTED_MEDIA = ("image",)
# How far before the attempt started a matching post may be dated (clock skew between us and Meta).
RECONCILE_SLACK = timedelta(minutes=5)
RECONCILE_PAGE_SIZE = 100
RECONCILE_MAX_PAGES = 3

CREATE_FEED_POST = Step("create the Page post", creates_post=True)
CREATE_PHOTO_POST = Step("create the Page photo post", creates_post=True)
LIST_POSTS = Step("list the Page's recent posts")


def post_url(post_id: str) -> str:
    return f"https://www.facebook.com/{post_id}"


class FacebookClient(GraphClient):
    platform = Platform.FACEBOOK
    api_url_setting = "FACEBOOK_API_URL"

    def validate(self, payload: PublishPayload) -> list[str]:
        problems = []
        if len(payload.text) > MAX_TEXT_LENGTH:
            problems.append(f"{len(payload.text):,} characters, the limit is {MAX_TEXT_LENGTH:,}")
        link = payload.options.get("link")
        if link is not None and not is_web_url(link):
            problems.append("the link option must be an http(s) URL")
        if len(payload.media) > 1:
            problems.append(f"{len(payload.media)} media items, a Page post here takes at most 1 image")
        problems += payload.media_problems(
            kinds=SUPPORTED_MEDIA, takes="Page posts here take an image only", needs="a public http(s) URL"
        )
        if payload.media and link:
            problems.append("a post with an image cannot also carry a link; put the link in the text")
        if not payload.text.strip() and not payload.media and not link:
            problems.append("the post has no text, image or link")
        return problems

    def publish(self, payload: PublishPayload) -> PublishResult:
        self.ensure_valid(payload)
        page = self.account.external_id
        if payload.media:
            item = payload.media[0]
            data = {"url": item.url}
            if payload.text:
                # The photo's description, shown as the Page post's message (Graph's /photos parameter).
                data["caption"] = payload.text
            if item.alt_text:
                data["alt_text_custom"] = item.alt_text
            step = CREATE_PHOTO_POST
            response = self.call("POST", self.graph_url(f"{page}/photos"), step=step, data=data)
            body = self.graph_json(response, step)
            # /photos answers the photo's id and, for a published photo, the post's id.
            post_id = body.get("post_id") or body.get("id")
        else:
            data = {"message": payload.text}
            if payload.options.get("link"):
                data["link"] = payload.options["link"]
            step = CREATE_FEED_POST
            response = self.call("POST", self.graph_url(f"{page}/feed"), step=step, data=data)
            post_id = self.graph_json(response, step).get("id")
        if not post_id:
            raise self.missing_id_error(response, step, "an id")
        return PublishResult(platform_post_id=str(post_id), platform_post_url=post_url(str(post_id)))

    def reconcile(self, attempt: InDoubtAttempt) -> Found | NotFound | CannotTell:
        """Look for the message among the Page's posts published since the attempt started."""
        if not attempt.payload.text.strip():
            return CannotTell("a post without text cannot be recognised among the Page's posts")
        params: dict[str, Any] = {
            "since": int((attempt.started_at - RECONCILE_SLACK).timestamp()),
            "fields": "id,message,created_time",
            "limit": RECONCILE_PAGE_SIZE,
        }
        url = self.graph_url(f"{self.account.external_id}/published_posts")
        try:
            for _ in range(RECONCILE_MAX_PAGES):
                body = self.graph_json(self.call("GET", url, step=LIST_POSTS, params=params), LIST_POSTS)
                posts = body.get("data")
                if not isinstance(posts, list):
                    return CannotTell("Facebook's list of posts had no data")
                for post in posts:
                    if isinstance(post, dict) and same_text(post.get("message") or "", attempt.payload.text):
                        post_id = str(post.get("id"))
                        return Found(platform_post_id=post_id, platform_post_url=post_url(post_id))
                after = ((body.get("paging") or {}).get("cursors") or {}).get("after")
                if len(posts) < RECONCILE_PAGE_SIZE or not after:
                    return NotFound("no post with this message since the attempt started")
                params["after"] = after
        except PublishError as exc:  # a failure to look is doubt, never "not there"
            return CannotTell(f"could not list the Page's posts: {exc.message}")
        return CannotTell(f"more than {RECONCILE_MAX_PAGES * RECONCILE_PAGE_SIZE} posts since the attempt")
