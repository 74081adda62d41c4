"""X's text counting, identical to its official library twitter-text 3.1.0 (config v3).

    >>> parse_tweet("Read https://example.com/news 🎉").weighted_length
    31

``parse_tweet(text, max_weighted_length=280)`` answers the weighted length, whether X accepts the text,
and the ranges twitter-text reports; pass ``LONG_POST_MAX_WEIGHTED_LENGTH`` for X Premium's long posts.
The data (TLDs, the emoji pattern, the weights) is generated from the npm package; see NOTICE.
"""

from .parse import LONG_POST_MAX_WEIGHTED_LENGTH
from .parse import MAX_WEIGHTED_LENGTH
from .parse import ParseResult
from .parse import invalid_characters
from .parse import parse_tweet
from .parse import url_spans
from .parse import weighted_length

__all__ = [
    "LONG_POST_MAX_WEIGHTED_LENGTH",
    "MAX_WEIGHTED_LENGTH",
    "ParseResult",
    "invalid_characters",
    "parse_tweet",
    "url_spans",
    "weighted_length",
]
