"""The SDK's serializer with its per-request work planned once per model class.

ask-sdk's DefaultSerializer resolves every model class by name with __import__, re-reads each
class's attribute maps and parses timestamps with dateutil, for every object of every request:
that is most of a request's cost. FastSerializer builds the same objects and the same JSON from
plans compiled once per type string, and is plugged in where the SDK expects a serializer
(`CustomSkill.serializer`). tests/test_serializer.py proves it equivalent on every envelope the
tests send.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from importlib import import_module
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer

Convert = Callable[[Any], Any]
_PRIMITIVES = {"int": int, "long": int, "float": float, "str": str, "bool": bool}


class FastSerializer(DefaultSerializer):
    """DefaultSerializer's results, with type plans cached instead of rebuilt per object."""

    def deserialize(self, payload: str | None, obj_type: Any) -> Any:
        if payload is None:
            return None
        try:
            data = json.loads(payload)
        except Exception as exc:
            raise SerializationException(f"Couldn't parse response body: {payload}") from exc
        return self.read(data, obj_type)

    def read(self, data: Any, obj_type: Any) -> Any:
        """Deserialize already-parsed JSON (Lambda hands us a dict: no need to dump and reload)."""
        try:
            convert = _converter(obj_type) if isinstance(obj_type, str) else _for_class(obj_type)
            return convert(data)
        except SerializationException:
            raise
        except Exception as exc:
            raise SerializationException(str(exc)) from exc

    def serialize(self, obj: Any) -> Any:
        return _serialize(obj)


@cache
def _converter(type_name: str) -> Convert:
    """A function turning JSON into the SDK type a `deserialized_types` string names."""
    if type_name.startswith("list["):
        inner = type_name[5:-1]
        if "," in inner:
            parts = [_converter(t.strip()) for t in inner.split(",")]
            return _nullable(lambda v: [c(x) for c, x in zip(parts, v, strict=False)])
        item = _converter(inner.strip())
        return _nullable(lambda v: [item(x) for x in v])
    if type_name.startswith("dict("):
        value = _converter(type_name[5:-1].split(", ", 1)[1])
        return _nullable(lambda v: {k: value(x) for k, x in v.items()})
    if type_name in _PRIMITIVES:
        return _primitive(_PRIMITIVES[type_name])
    if type_name == "object":
        return _identity
    if type_name in ("datetime", "date"):
        return _nullable(_datetime if type_name == "datetime" else lambda v: _datetime(v).date())
    return _for_class(_load(type_name))


@cache
def _load(class_name: str) -> type:
    module, _, name = class_name.rpartition(".")
    try:
        return getattr(import_module(module), name)
    except Exception as exc:
        raise SerializationException(f"Unable to resolve class {class_name}: {exc}") from exc


@cache
def _for_class(cls: type) -> Convert:
    if cls in (str, int, float, bool):
        return _primitive(cls)
    if cls is object:
        return _identity
    if issubclass(cls, Enum):
        return _nullable(cls)
    if not hasattr(cls, "deserialized_types"):
        return _identity
    if hasattr(cls, "get_real_child_model"):
        # Polymorphic (Request, Directive...): the payload's discriminator picks the subclass.
        def pick(data: Any) -> Any:
            name = cls.get_real_child_model(data)
            if not name:
                raise SerializationException(f"Couldn't resolve object by discriminator for {cls}")
            return _builder(_load(name))(data)

        return _nullable(pick)
    return _nullable(_builder(cls))


@cache
def _builder(cls: type) -> Convert:
    """Build an instance of a model class field by field, as DefaultSerializer does."""
    names = {**{k: k for k in cls.deserialized_types}, **getattr(cls, "attribute_map", {})}
    # Converters are looked up when a field is present, not planned ahead: planning them all
    # would import every model class of every interface at cold start.
    fields = [(key, attr, cls.deserialized_types[attr]) for attr, key in names.items()]
    known = set(names.values())

    def build(data: dict[str, Any]) -> Any:
        obj = cls()
        for key, attr, type_name in fields:
            if key in data:
                setattr(obj, attr, _converter(type_name)(data[key]))
        for key in data.keys() - known:  # the SDK keeps fields its model doesn't know, raw
            setattr(obj, key, data[key])
        return obj

    return build


def _nullable(convert: Convert) -> Convert:
    return lambda v: None if v is None else convert(v)


def _identity(value: Any) -> Any:
    return value


def _primitive(kind: type) -> Convert:
    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            return kind(value)
        except TypeError:
            return value
        except ValueError as exc:
            raise SerializationException(f"Failed to parse {value} into {kind.__name__}") from exc

    return convert


def _datetime(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        from dateutil.parser import parse  # what the SDK accepts beyond ISO 8601

        try:
            return parse(value)
        except (TypeError, ValueError, OverflowError) as exc:
            raise SerializationException(f"Failed to parse {value} into datetime") from exc


@cache
def _fields(cls: type) -> tuple[tuple[str, str], ...]:
    """(attribute, JSON key) of a model class, in deserialized_types order."""
    names = getattr(cls, "attribute_map", {})
    return tuple((attr, names.get(attr, attr)) for attr in cls.deserialized_types)


def _serialize(obj: Any) -> Any:
    if obj is None or isinstance(obj, str | int | float | bytes):  # bool is an int
        return obj
    if isinstance(obj, dict):
        return {key: _serialize(value) for key, value in obj.items()}
    if isinstance(obj, list):
        return [_serialize(item) for item in obj]
    if isinstance(obj, tuple):
        return tuple(_serialize(item) for item in obj)
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, Decimal):
        return int(obj) if obj % 1 == 0 else float(obj)
    out = {}
    for attr, key in _fields(type(obj)):
        value = getattr(obj, attr)
        if value is not None:
            out[key] = _serialize(value)
    return out
