"""Record keys: TIDs as atproto specifies them (13 base32-sortable characters, time then clock id)."""

from __future__ import annotations

import time

import pytest

from social.platforms.bluesky.tid import ALPHABET
from social.platforms.bluesky.tid import encode
from social.platforms.bluesky.tid import is_tid
from social.platforms.bluesky.tid import new_tid


def decode(tid: str) -> int:
    value = 0
    for char in tid:
        value = value * 32 + ALPHABET.index(char)
    return value


def test_tid__examples_from_the_spec_are_valid_and_others_are_not():
    for valid in ("3jzfcijpj2z2a", "7777777777777", "3zzzzzzzzzzzz", "2222222222222"):
        assert is_tid(valid), valid
    for invalid in (
        "3jzfcijpj2z21",
        "0000000000000",
        "3JZFCIJPJ2Z2A",
        "3jzfcijpj2z2aa",
        "zzzzzzzzzzzzz",
        "",
        None,
    ):
        assert not is_tid(invalid), invalid


def test_tid__holds_the_time_in_microseconds_and_the_clock_id():
    before = time.time_ns() // 1000
    tid = new_tid(clock_id=517)
    after = time.time_ns() // 1000

    value = decode(tid)
    assert is_tid(tid)
    assert value >> 63 == 0
    assert value & 1023 == 517
    assert before <= value >> 10 <= after + 1


def test_tid__new_ones_sort_after_the_earlier_ones_and_never_repeat():
    tids = [new_tid(clock_id=0) for _ in range(2000)]

    assert tids == sorted(tids)
    assert len(set(tids)) == len(tids)


def test_tid__encode_is_fixed_width_and_refuses_more_than_63_bits():
    assert encode(0) == "2222222222222"
    assert len(encode((1 << 63) - 1)) == 13
    with pytest.raises(ValueError):
        encode(1 << 63)
