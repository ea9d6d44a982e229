"""JSON text of plain values, written directly where the json module's generic walk of every record was the cost
(trace.json's tickets, the history's ticket records): the same text ``json.dumps(..., ensure_ascii=False)``
writes. A value these do not write raises ``NotPlain``; the caller then leaves it to the json module."""

from __future__ import annotations

import json
from typing import Any

STRING = json.encoder.encode_basestring  # a str as json.dumps(..., ensure_ascii=False) writes it (C)


class NotPlain(Exception):
    """A value left to the json module (a float, a tuple, a dict key that is not text...)."""


def scalar(value: Any) -> str:
    """A str, int, bool or None as json.dumps writes it; anything else raises NotPlain."""
    kind = type(value)
    if kind is str:
        return STRING(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    raise NotPlain
