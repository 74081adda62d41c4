"""The planning admin: account groups, posting schedules and their queues, recurring series, CSV import
and export. Each page is thin: it calls the planning services."""

from . import groups  # noqa: F401  (each registers its ModelAdmin)
from . import imports  # noqa: F401  (each registers its ModelAdmin)
from . import schedules  # noqa: F401  (each registers its ModelAdmin)
from . import series  # noqa: F401  (each registers its ModelAdmin)
