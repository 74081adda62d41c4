"""The Sandbox's network, server side: its OAuth consent page and token endpoint (``oauth.py``), its API
(``api.py``), its pages (``pages.py``); the writes they share in ``tokens.py``, ``posting.py``, ``uploads.py``
and ``faults.py``, the reads in ``selectors.py``."""
