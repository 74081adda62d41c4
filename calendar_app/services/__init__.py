"""Writes to scheduled posts: ``publishing`` (the publisher run) and ``posts`` (what people do to posts)."""
