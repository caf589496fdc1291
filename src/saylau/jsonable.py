"""The JSON form of a plain record: a frozen dataclass's fields as JSON values.

Most result records serialise field by field in the order they are declared, with
the same few conversions (a date as ISO text, a tuple as a list, a set as a sorted
list); :func:`json_fields` is that rule written once, and :class:`Record` gives a
record that rule as its ``to_dict``.  A record whose JSON renames or reorders its
fields writes its own ``to_dict`` (its key order is part of the documented output).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import fields
from datetime import date
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def json_value(value: object) -> Any:
    """``value`` as JSON: a ``date``/``datetime`` as ISO text, a tuple or list as a list,
    a set as a sorted list, a mapping as a plain dict; anything else as it is."""
    if isinstance(value, date):  # datetime is a date
        return value.isoformat()
    if isinstance(value, tuple | list):
        return list(value)
    if isinstance(value, Set):
        return sorted(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def json_fields(record: DataclassInstance, **values: object) -> dict[str, Any]:
    """``record``'s fields in declaration order as JSON values (:func:`json_value`);
    an entry of ``values`` replaces the field of its name in place, or is added after
    the fields when no field has that name."""
    out = {f.name: json_value(getattr(record, f.name)) for f in fields(record)}
    out.update(values)
    return out


class Record:
    """A base for a dataclass whose JSON is its fields in declaration order
    (:func:`json_fields`): ``@dataclass(frozen=True) class Foo(Record): ...``.

    Unlike ``dataclasses.asdict`` it does not recurse: a field holding another record
    must be converted by the record's own ``to_dict``."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The record's fields as JSON values, in declaration order."""
        return json_fields(cast("DataclassInstance", self))
