"""The admin: schedule posts, review their publishing history, see them on a calendar.

Laid out the way Django's own admin is: ``posts`` and ``attempts`` hold the ModelAdmins, ``actions`` the
post actions, ``filters`` the list filters, ``display`` how posts look, ``views`` the post's own pages.
"""

from .attempts import PublishAttemptAdmin
from .posts import ScheduledPostAdmin

__all__ = ["PublishAttemptAdmin", "ScheduledPostAdmin"]
