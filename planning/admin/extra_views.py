"""The pages the planning admins add to Django's own (moving a queued post, skipping a date, importing)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern
from django.urls import path


def extra_view_path(model_admin: admin.ModelAdmin, route: str, view, action: str) -> URLPattern:
    """``route`` under the model's admin URLs, served by ``view`` behind the admin's login and named
    ``<app>_<model>_<action>`` like the admin's own pages."""
    opts = model_admin.opts
    name = f"{opts.app_label}_{opts.model_name}_{action}"
    return path(route, model_admin.admin_site.admin_view(view), name=name)
