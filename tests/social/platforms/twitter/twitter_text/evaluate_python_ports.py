"""Score a Python port of twitter-text against the conformance table (how the ports were evaluated).

Install one port into the virtualenv, then run, for example:

    .venv/bin/pip install twitter-text-parser==3.0.0
    .venv/bin/python tests/social/platforms/twitter/twitter_text/evaluate_python_ports.py twitter-text-parser

Several ports install the same top-level module (``twitter_text``), so install and score them one at a time.
A case passes when the port's weighted length and validity (where it reports one) equal the table's
within SECONDS_PER_CASE (a port that backtracks for minutes on a 25,000-character text fails that case).
"""

from __future__ import annotations

import importlib
import json
import signal
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

TABLE = Path(__file__).with_name("conformance_table.json")
SECONDS_PER_CASE = 10


class _TooSlowError(Exception):
    pass


def _too_slow(signum, frame):
    raise _TooSlowError


def _twitter_text_parser() -> Callable[[str, int], tuple[int, bool | None]]:
    module = importlib.import_module("twitter_text")
    config = importlib.import_module("twitter_text.config").config

    def count(text: str, max_length: int) -> tuple[int, bool | None]:
        options = {**config["defaults"], "max_weighted_tweet_length": max_length}
        result = module.parse_tweet(text, options)
        return result.weightedLength, result.valid

    return count


def _tweet_counter() -> Callable[[str, int], tuple[int, bool | None]]:
    count_tweet = importlib.import_module("tweet_counter").count_tweet
    return lambda text, max_length: (count_tweet(text), None)


def _glyph_twitter_text() -> Callable[[str, int], tuple[int, bool | None]]:
    validation = importlib.import_module("twitter_text.validation").Validation
    return lambda text, max_length: (validation(text).tweet_length(), None)


PORTS = {
    "twitter-text-parser": _twitter_text_parser,
    "tweet-counter": _tweet_counter,
    "twitter-text": _glyph_twitter_text,
}


def main(port: str) -> None:
    count = PORTS[port]()
    cases = json.loads(TABLE.read_text(encoding="utf-8"))["cases"]
    failed: Counter[str] = Counter()
    signal.signal(signal.SIGALRM, _too_slow)
    for case in cases:
        signal.alarm(SECONDS_PER_CASE)
        try:
            length, valid = count(case["text"], case["max"])
        except Exception as exc:  # a crash or a timeout is a failed case, not the end of the evaluation
            length, valid = f"raised {type(exc).__name__}", None
        finally:
            signal.alarm(0)
        if length != case["weightedLength"] or valid not in (None, case["valid"]):
            failed[case["category"]] += 1
    passed = len(cases) - sum(failed.values())
    print(f"{port}: {passed}/{len(cases)} cases pass ({100 * passed / len(cases):.1f} %)")
    for category, count_failed in sorted(failed.items()):
        print(f"  {category}: {count_failed} failed")


if __name__ == "__main__":
    main(sys.argv[1])
