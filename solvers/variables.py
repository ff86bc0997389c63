"""Policy-variable templates: `arn:aws:s3:::home/${aws:username}/*`.

Parsing is syntax only and shared by both engines; what a template matches is decided by each engine.
`${*}`, `${?}` and `${$}` stand for the literal characters, which are then never wildcards.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_VAR = re.compile(r"\$\{([^}]*)\}")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.:/\-]+)\s*(?:,\s*'([^']*)'\s*)?$")


@dataclass(frozen=True, slots=True)
class Glob:
    """Text in which `*` and `?` are wildcards."""
    text: str


@dataclass(frozen=True, slots=True)
class Literal:
    """Characters that match only themselves (from an escape such as `${*}`)."""
    text: str


@dataclass(frozen=True, slots=True)
class Var:
    key: str  # lower-cased condition key
    default: str | None


Part = Glob | Literal | Var
Template = tuple[Part, ...]


@lru_cache(maxsize=16384)  # the evaluator asks for the same few values request after request
def parse_template(text: str, variables: bool) -> Template:
    """Split a value into glob text, escaped literals and variables (only when `variables` is on)."""
    if not variables or "${" not in text:
        return (Glob(text),) if text else ()
    parts: list[Part] = []
    pos = 0
    for m in _VAR.finditer(text):
        if m.start() > pos:
            parts.append(Glob(text[pos:m.start()]))
        inner = m.group(1)
        key = _KEY.match(inner)
        if inner in ("*", "?", "$"):
            parts.append(Literal(inner))
        elif key:
            parts.append(Var(key.group(1).lower(), key.group(2)))
        else:  # not a variable AWS would substitute: keep the text as written
            parts.append(Glob(m.group(0)))
        pos = m.end()
    if pos < len(text):
        parts.append(Glob(text[pos:]))
    return tuple(parts)


def template_vars(template: Template) -> tuple[Var, ...]:
    return tuple(p for p in template if isinstance(p, Var))


def substitute(template: Template, lookup) -> Template | None:
    """Replace every Var by a Literal of its value (`lookup(key)` -> str | None, default applied).

    None when a variable has neither a value nor a default: the statement then does not match.
    """
    out: list[Part] = []
    for p in template:
        if isinstance(p, Var):
            value = lookup(p.key)
            if value is None:
                value = p.default
            if value is None:
                return None
            out.append(Literal(value))
        else:
            out.append(p)
    return tuple(out)
