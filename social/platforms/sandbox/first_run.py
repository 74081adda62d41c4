"""What ``./dev start`` tells a newcomer to do first: publish to the Sandbox and watch the post arrive."""

from __future__ import annotations


def first_run_steps(site: str) -> list[str]:
    """The three steps, with their addresses on ``site`` (``http://127.0.0.1:8000``)."""
    return [
        "Try it on the Sandbox, a local simulated network (nothing leaves this machine):",
        f"  1. Connect a Sandbox account:       {site}/social/connect/sandbox/",
        f'  2. Schedule a post a minute ahead:   {site}/admin/calendar_app/scheduledpost/add/  (or tick "Publish now")',
        f"  3. Watch it appear on the timeline:  {site}/sandbox/",
    ]
