"""MEDIA_STORAGE_URL becomes the storage people asked for, or a check naming what is wrong."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from config.settings.base import media_storage_from_url
from media_library.checks import check_media_numbers
from media_library.checks import check_media_public_urls
from media_library.checks import check_media_storage
from media_library.checks import check_media_tools
from media_library.storage import MediaStorageError
from media_library.storage import MisconfiguredStorage
from social.models import SocialAccount

from ..config.test_settings import run_manage


def test_media_storage_from_url__unset_is_the_file_system_under_media_root():
    assert media_storage_from_url("") == ({"BACKEND": "django.core.files.storage.FileSystemStorage"}, "")


def test_media_storage_from_url__s3_with_its_options():
    storage, problem = media_storage_from_url(
        "s3://media-bucket/scheduler?endpoint_url=http://minio:9000&region_name=eu-west-1&addressing_style=path"
    )

    assert problem == ""
    assert storage["BACKEND"] == "media_library.storage.MediaS3Storage"
    assert storage["OPTIONS"] == {
        "bucket_name": "media-bucket",
        "location": "scheduler",
        "endpoint_url": "http://minio:9000",
        "region_name": "eu-west-1",
        "addressing_style": "path",
        "signature_version": "s3v4",
        "querystring_auth": True,
        "default_acl": None,
        "custom_domain": None,
        "file_overwrite": True,
    }


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://files.example.com", "the scheme must be s3:// (got 'ftp')"),
        ("s3://", "no bucket: use s3://BUCKET or set AWS_STORAGE_BUCKET_NAME"),
        ("s3://KEYID:SUPERSECRET@bucket", "credentials do not belong in the URL"),
        ("s3://bucket?endpoint=http://x", "unknown option 'endpoint'"),
        ("s3://bucket?addressing_style=sideways", "addressing_style must be auto, path or virtual"),
        ("s3://bucket?endpoint_url=minio:9000", "endpoint_url must be an http:// or https:// address"),
        ("s3://bucket?verify=maybe", "verify must be true or false"),
    ],
)
def test_media_storage_from_url__bad_values_name_the_problem_and_refuse_every_write(url, problem):
    storage, message = media_storage_from_url(url)

    assert message.startswith(f"MEDIA_STORAGE_URL is not usable: {problem}")
    assert "SUPERSECRET" not in message
    assert storage["BACKEND"] == "media_library.storage.MisconfiguredStorage"
    refusing = MisconfiguredStorage(**storage["OPTIONS"])
    with pytest.raises(MediaStorageError, match="MEDIA_STORAGE_URL is not usable"):
        refusing.save("a.txt", ContentFile(b"x"))


def test_check_media_storage__reports_a_bad_url(settings):
    settings.MEDIA_STORAGE_ERROR = "MEDIA_STORAGE_URL is not usable: no bucket"

    errors = check_media_storage()

    assert [(error.id, error.msg) for error in errors] == [
        ("media_library.E001", "MEDIA_STORAGE_URL is not usable: no bucket")
    ]
    settings.MEDIA_STORAGE_ERROR = ""
    assert check_media_storage() == []


def test_check_media_numbers__lifetime_and_upload_limit(settings):
    settings.MEDIA_PUBLIC_URL_SECONDS = 8 * 86400
    settings.MEDIA_MAX_UPLOAD_BYTES = 0

    ids = [error.id for error in check_media_numbers()]

    assert ids == ["media_library.E002", "media_library.E003"]


@pytest.mark.django_db
def test_check_media_tools__missing_ffprobe(settings):
    settings.FFPROBE_BINARY = "ffprobe-not-installed-here"

    assert [warning.id for warning in check_media_tools()] == ["media_library.W001"]


@pytest.mark.django_db
def test_check_media_public_urls__site_url_is_needed_once_a_fetching_platform_is_connected(
    settings, staff_user
):
    settings.SITE_URL = ""
    settings.MEDIA_STORAGE_URL = ""
    assert check_media_public_urls() == []  # nothing connected that fetches media

    SocialAccount.objects.create(platform="INSTAGRAM", external_id="ig-1", name="Shop", owner=staff_user)

    assert [warning.id for warning in check_media_public_urls()] == ["media_library.W002"]
    settings.SITE_URL = "https://scheduler.example.com"
    assert check_media_public_urls() == []


def test_manage_check__a_bad_media_storage_url_stops_migrate_with_the_reason(tmp_path):
    result = run_manage(
        "migrate",
        "--check",
        MEDIA_STORAGE_URL="s3://KEYID:SUPERSECRET@bucket",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    assert result.returncode != 0
    assert "media_library.E001" in result.stderr and "credentials do not belong in the URL" in result.stderr
    assert "SUPERSECRET" not in result.stderr + result.stdout
