"""The project's packages are listed alike wherever they must be: the installed apps, pyproject's packages and
the Dockerfile's COPY lines. An app missing from the image starts nowhere but in production."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def project_packages() -> set[str]:
    """Top-level folders of the repository that are Python packages of the product (not tests or tools)."""
    return {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in {"tests", "features", "bench"}
    }


def test_packaging__every_project_app_is_an_installed_app_or_config():
    apps = {name.split(".")[0] for name in settings.INSTALLED_APPS}
    assert project_packages() - {"config"} <= apps


def test_packaging__pyproject_installs_every_package():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {pattern.rstrip("*") for pattern in patterns} == project_packages()


def test_packaging__the_image_copies_every_package():
    copied = set(re.findall(r"^COPY (\w+) \./\1$", (ROOT / "Dockerfile").read_text(), re.M))
    assert copied == project_packages()
