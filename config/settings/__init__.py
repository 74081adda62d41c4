"""Settings package: ``development`` (the default), ``production`` and ``test``."""
