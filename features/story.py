"""What a scenario has set up and seen so far, and the words the steps share for accounts and platforms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field

from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from social.models import SocialAccount

from .admin_page import PostPage

PLATFORM = r"(?P<platform>X|Facebook|Instagram|LinkedIn|YouTube|Mastodon|Bluesky|Threads)"
ACCOUNT_KINDS = {
    "X account": "X",
    "Facebook Page": "Facebook",
    "Instagram account": "Instagram",
    "LinkedIn account": "LinkedIn",
    "YouTube channel": "YouTube",
    "Mastodon account": "Mastodon",
    "Bluesky account": "Bluesky",
    "Threads account": "Threads",
}
ACCOUNT_KIND = "|".join(ACCOUNT_KINDS)
ONE_ACCOUNT = rf'an? (?:{ACCOUNT_KIND}) "[^"]+"'


@dataclass
class Story:
    """What a scenario has set up and seen so far."""

    accounts: dict[str, SocialAccount] = field(default_factory=dict)
    posts: dict[str, ScheduledPost] = field(default_factory=dict)
    post: ScheduledPost | None = None  # the one "the post" refers to: the last one written
    outputs: list[str] = field(default_factory=list)  # what each publisher run printed
    run_figures: list[dict] = field(default_factory=list)  # what overlapping runs reported
    received_before_last_run: int = 0
    original_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)
    response: object = None
    sent_authorization: str = ""
    page: PostPage | None = None

    def the_post(self, text: str | None = None) -> ScheduledPost:
        post = self.post if text is None else self.posts[text]
        assert post is not None, "the scenario has no post yet"
        post.refresh_from_db()
        return post

    def named(self, names: str) -> list[SocialAccount]:
        """The accounts a step names: "all accounts", or each quoted name."""
        if names.strip() in ("all accounts", "all of them", "both"):
            return list(self.accounts.values())
        return [self.accounts[name] for name in re.findall(r'"([^"]+)"', names)]


def account_row(story: Story, name: str, post: ScheduledPost | None = None) -> ScheduledPostAccount:
    post = post or story.the_post()
    return ScheduledPostAccount.objects.get(post=post, account=story.accounts[name])
