"""The media library: files uploaded once, described once, checked against each platform, used by posts.

Service API for the rest of the product (keyword-only arguments; every refusal is a ``MediaError`` whose
``str()`` is one line):

- ``services.assets``: ``media_asset_create(owner=, upload=, name=None, alt_text="")`` ->
  ``MediaAssetCreated(asset, existing)``; ``media_asset_open(asset=, start=0, end=None)`` -> ``MediaReader``
  (``size``/``total_bytes``, ``content_type``, ``read()``, ``chunks(chunk_size)``, a context manager);
  ``media_asset_local_path(asset=)``; ``media_asset_update(asset=, alt_text=)``;
  ``media_asset_delete(asset=)`` (raises ``MediaInUse`` with ``.posts``).
- ``services.usage``: ``media_usage_replace(post=, platform="", uses=[MediaUse(asset_id, alt_text)])``.
- ``services.renditions``: ``media_rendition_get_or_create(asset=, recipe=, owner=)`` -> ``RenditionMade``.
- ``services.public_urls``: ``media_asset_public_url(asset=, seconds=None)`` -> ``PublicUrl(url, expires_at)``;
  ``media_public_url_check(url=, expected_size=)`` (raises ``MediaUnreachable``).
- ``rules``: ``MediaRules``/``KindRules`` values, ``media_rules_check(asset=, rules=, platform=)``,
  ``media_rules_check_selection(...)``, ``media_rules_fix(problems)``; ``checking.media_asset_check_platforms``.
- ``platform_rules.media_rules_for(platform, account=None)``: the rules a platform's spec declares
  (``PlatformLimits.media``), or one account's own (a Mastodon server's).
"""
