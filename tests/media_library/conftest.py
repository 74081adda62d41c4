"""Fixtures of the media library tests: a MEDIA_ROOT per test, and a real S3 API (moto's server) on loopback."""

from __future__ import annotations

import subprocess
import sys
import uuid

import boto3
import pytest
from django.conf import settings as django_settings

from config.settings.base import media_storage_from_url

MOTO_SERVER = """
import logging
import sys
from moto.server import ThreadedMotoServer
logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # until the test session closes our stdin
server.stop()
"""


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores files in a folder of its own, through the real FileSystemStorage."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**django_settings.STORAGES, "default": media_storage_from_url("")[0]}
    return tmp_path / "media"


@pytest.fixture(scope="session")
def s3_server():
    """moto in server mode in a process of its own (so its memory is not ours), on a loopback port."""
    process = subprocess.Popen(
        [sys.executable, "-c", MOTO_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def s3_storage(settings, s3_server, monkeypatch):
    """The "default" storage is an S3 bucket of its own on the moto server, configured as people would."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret-key")
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="testing-key-id",
        aws_secret_access_key="testing-secret-key",
    ).create_bucket(Bucket=bucket)
    url = f"s3://{bucket}/library-prefix?endpoint_url={s3_server}&region_name=us-east-1&addressing_style=path"
    storage, problem = media_storage_from_url(url)
    assert problem == ""
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    return bucket


@pytest.fixture
def s3_client(s3_server):
    return boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="testing-key-id",
        aws_secret_access_key="testing-secret-key",
    )


@pytest.fixture
def staff_client(client, staff_user):
    """The test client logged in as a superuser (the library's admin pages)."""
    client.force_login(staff_user)
    return client
