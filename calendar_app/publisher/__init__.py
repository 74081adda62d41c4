"""The publisher: publishes due posts to their accounts (recover, claim, fan out, record, finalize).

``publish_due_posts`` is the one entry point of the command, the HTTP trigger and the watch loop.
"""

from .run import PublishRunSummary
from .run import publish_due_posts

__all__ = ["PublishRunSummary", "publish_due_posts"]
