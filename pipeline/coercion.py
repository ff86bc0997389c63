"""Parameter coercion for the CLI's plain parameter types without pydantic.

Typer (0.29) coerces every command-line value through a pydantic TypeAdapter, and importing pydantic
is a third of a one-policy command's start-up (~0.1 s of CPU). The types most of this CLI's parameters
have need no such machinery: strings, lists of strings, flags, string enums and integers without bounds.
`install()` has typer coerce those here and hands every other annotation (numbers with bounds, paths...)
to its own pydantic-based coercion, so behaviour outside these types is typer's own.
"""
from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Any

from typer import _coercion, core
from typer._click.exceptions import BadParameter


@dataclass(frozen=True)
class _Plain(_coercion.RuntimeParam):
    """Coercion of str, bool and Enum values (and lists of them): the value as parsed, or the member."""

    leaf: type

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, list | tuple):
            return [self._one(v, param, ctx) for v in value]
        return self._one(value, param, ctx)

    def _one(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, self.leaf):
            return value
        if self.leaf is int and isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                raise BadParameter(f"{value!r} is not a valid integer.", ctx=ctx, param=param) from None
        if issubclass(self.leaf, Enum) and isinstance(value, str):
            fold = not getattr(self.parameter_info, "case_sensitive", True)
            for member in self.leaf:
                if member.value == value or fold and member.value.casefold() == value.casefold():
                    return member
            choices = ", ".join(repr(m.value) for m in self.leaf)
            raise BadParameter(f"{value!r} is not one of {choices}.", ctx=ctx, param=param)
        raise BadParameter(f"Value {value!r} is not a valid {self.leaf.__name__}.", ctx=ctx, param=param)


def _leaf(annotation: Any) -> type | None:
    """The plain type an annotation stands for (str, bool, int, a str Enum; optional, or a list of it)."""
    origin = typing.get_origin(annotation)
    if origin is list:
        (inner,) = typing.get_args(annotation)
        return _leaf(inner)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _leaf(rest[0]) if len(rest) == 1 else None
    if annotation in (str, bool, int):
        return annotation
    if isinstance(annotation, type) and issubclass(annotation, Enum) and issubclass(annotation, str):
        return annotation
    return None


def _build(descriptor: Any, original=_coercion.build_runtime_param) -> _coercion.RuntimeParam:
    leaf = _leaf(descriptor.annotation) if descriptor.file_annotation is None else None
    info = descriptor.parameter_info
    if leaf is int and (getattr(info, "min", None) is not None or getattr(info, "max", None) is not None):
        leaf = None  # bounds are typer's (pydantic's) to check
    if leaf is None:
        return original(descriptor)
    return _Plain(descriptor.parameter_info, descriptor.annotation, leaf)


def install() -> None:
    core.build_runtime_param = _build
