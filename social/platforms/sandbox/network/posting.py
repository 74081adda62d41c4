"""Making a post on the network: checked as the client checks it, its media attached in order, and made
once per ``Idempotency-Key`` (a create repeated with the key answers the post the first one made)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError
from django.db import transaction

from ..limits import media_problems
from ..limits import text_problems
from ..models import SandboxAccount
from ..models import SandboxMedia
from ..models import SandboxPost


class PostRefused(Exception):
    """A create the network refuses (HTTP 422): what is wrong, in words for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def post_create(
    *, account: SandboxAccount, text: str, media_ids: Sequence[str], idempotency_key: str = ""
) -> tuple[SandboxPost, bool]:
    """The post made (``True``), or the one an earlier create with the same key made (``False``).
    Raises PostRefused."""
    if idempotency_key and (earlier := _made_with_key(account, idempotency_key)):
        return earlier, False
    media = _media_to_attach(account, media_ids)
    problems = text_problems(text, media_count=len(media)) + media_problems(
        [item.kind for item in media], [item.alt_text for item in media]
    )
    if problems:
        raise PostRefused("; ".join(problems))
    try:
        with transaction.atomic():
            post = SandboxPost.objects.create(account=account, text=text, idempotency_key=idempotency_key)
            for position, item in enumerate(media):
                # Only media still free: the same upload cannot end up on two posts.
                if not SandboxMedia.objects.filter(pk=item.pk, post__isnull=True).update(
                    post=post, position=position
                ):
                    raise PostRefused(f"media {item.pk} is already attached to another post")
    except IntegrityError:
        # Another create with the same key won the race: answer its post.
        if earlier := _made_with_key(account, idempotency_key):
            return earlier, False
        raise
    return post, True


def _made_with_key(account: SandboxAccount, idempotency_key: str) -> SandboxPost | None:
    return SandboxPost.objects.filter(account=account, idempotency_key=idempotency_key).first()


def _media_to_attach(account: SandboxAccount, media_ids: Sequence[str]) -> list[SandboxMedia]:
    if len(set(media_ids)) != len(media_ids):
        raise PostRefused("media_ids names the same media twice")
    found = {item.pk: item for item in SandboxMedia.objects.filter(account=account, pk__in=list(media_ids))}
    media = []
    for media_id in media_ids:
        item = found.get(media_id)
        if item is None:
            raise PostRefused(f"media {media_id} is not one of this account's uploads")
        if not item.is_ready:
            raise PostRefused(f"media {media_id} is not completely uploaded")
        if item.post_id is not None:
            raise PostRefused(f"media {media_id} is already attached to a post")
        media.append(item)
    return media
