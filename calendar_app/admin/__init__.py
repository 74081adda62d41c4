"""The admin: schedule posts, review their publishing history, see them on a calendar.

Laid out the way Django's own admin is: ``posts``, ``attempts`` and ``runs`` hold the ModelAdmins, ``actions`` the
post actions, ``filters`` the list filters, ``display`` how posts look, ``views`` the post's own pages.
"""

from .attempts import PublishAttemptAdmin
from .posts import ScheduledPostAdmin
from .runs import PublisherRunAdmin

__all__ = ["PublishAttemptAdmin", "PublisherRunAdmin", "ScheduledPostAdmin"]
