"""Reading a CSV row's media: addresses, and media-library assets by id."""

from __future__ import annotations

import pytest

from media_library.models import MediaAsset
from media_library.models import MediaKind
from planning.csv_format import AccountDirectory
from planning.csv_format import row_read
from planning.services.imports import import_check
from social.models import Platform

from ..calendar_app.factories import make_account
from .factories import make_asset

pytestmark = pytest.mark.django_db


def read(cells: dict[str, str], *assets: MediaAsset):
    directory = AccountDirectory([], [], assets)
    return row_read(
        2, {"accounts": "", "time": "queue", **cells}, directory=directory, default_timezone="UTC"
    )


def test_row_read__assets_by_id_take_the_metadata_shape_after_the_row_s_addresses(user):
    photo = make_asset(user, alt_text="The team, from the library")
    clip = make_asset(user, kind=MediaKind.VIDEO)
    row = read(
        {
            "media_url": "https://cdn.example.com/a.jpg",
            "media_asset": f"{photo.pk} {clip.pk}",
            "alt_text": "From the address | | The clip",
        },
        photo,
        clip,
    )
    assert [problem for problem in row.problems if problem.column.startswith(("media", "alt"))] == []
    assert [item.url for item in row.media] == ["https://cdn.example.com/a.jpg"]
    assert row.media_assets == (
        # An empty alt text cell keeps the library's own.
        {"asset": photo.pk, "type": "image", "alt_text": "The team, from the library"},
        {"asset": clip.pk, "type": "video", "alt_text": "The clip"},
    )


def test_import_check__an_asset_id_the_library_does_not_have_is_named(user):
    make_account(user, platform=Platform.TWITTER, name="@acme")
    photo = make_asset(user)
    text = f"text,accounts,time,media_asset\nHi,x:@acme,2030-04-01 09:00,{photo.pk} 999999 photo.jpg\n"
    problems = import_check(text=text, default_timezone="UTC").problems
    assert [(problem.row, problem.column, problem.message) for problem in problems[:2]] == [
        (
            2,
            "media_asset",
            "No media asset has the id '999999': write the ids shown in the media library, "
            "separated by spaces.",
        ),
        (
            2,
            "media_asset",
            "No media asset has the id 'photo.jpg': write the ids shown in the media library, "
            "separated by spaces.",
        ),
    ]
