"""The condition operators of the IAM policy grammar, as data.

Every negated operator is defined as the negation of a positive one (StringNotLike = not StringLike
over all listed values), which is how AWS documents them and how both engines implement them.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Family(Enum):
    STRING = "string"  # String*, Arn*, Bool, Binary: values are compared as text
    NUMERIC = "numeric"
    DATE = "date"
    IP = "ip"
    NULL = "null"  # Null: only tests presence


class Test(Enum):
    """What one positive comparison of a request value against one policy value checks."""
    EQUALS = "equals"
    EQUALS_IGNORE_CASE = "equals_ignore_case"
    LIKE = "like"  # glob with * and ?
    ARN_LIKE = "arn_like"  # field-wise glob over the six ARN fields
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    IN_CIDR = "in_cidr"
    NULL = "null"


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    name: str
    family: Family
    test: Test
    negated: bool  # values NORed instead of ORed; true on a missing key


def _table() -> dict[str, OperatorSpec]:
    rows = [
        ("StringEquals", Family.STRING, Test.EQUALS, False),
        ("StringNotEquals", Family.STRING, Test.EQUALS, True),
        ("StringEqualsIgnoreCase", Family.STRING, Test.EQUALS_IGNORE_CASE, False),
        ("StringNotEqualsIgnoreCase", Family.STRING, Test.EQUALS_IGNORE_CASE, True),
        ("StringLike", Family.STRING, Test.LIKE, False),
        ("StringNotLike", Family.STRING, Test.LIKE, True),
        ("ArnEquals", Family.STRING, Test.ARN_LIKE, False),
        ("ArnLike", Family.STRING, Test.ARN_LIKE, False),
        ("ArnNotEquals", Family.STRING, Test.ARN_LIKE, True),
        ("ArnNotLike", Family.STRING, Test.ARN_LIKE, True),
        ("Bool", Family.STRING, Test.EQUALS_IGNORE_CASE, False),
        ("BinaryEquals", Family.STRING, Test.EQUALS, False),
        ("NumericEquals", Family.NUMERIC, Test.EQUALS, False),
        ("NumericNotEquals", Family.NUMERIC, Test.EQUALS, True),
        ("NumericLessThan", Family.NUMERIC, Test.LT, False),
        ("NumericLessThanEquals", Family.NUMERIC, Test.LE, False),
        ("NumericGreaterThan", Family.NUMERIC, Test.GT, False),
        ("NumericGreaterThanEquals", Family.NUMERIC, Test.GE, False),
        ("DateEquals", Family.DATE, Test.EQUALS, False),
        ("DateNotEquals", Family.DATE, Test.EQUALS, True),
        ("DateLessThan", Family.DATE, Test.LT, False),
        ("DateLessThanEquals", Family.DATE, Test.LE, False),
        ("DateGreaterThan", Family.DATE, Test.GT, False),
        ("DateGreaterThanEquals", Family.DATE, Test.GE, False),
        ("IpAddress", Family.IP, Test.IN_CIDR, False),
        ("NotIpAddress", Family.IP, Test.IN_CIDR, True),
        ("Null", Family.NULL, Test.NULL, False),
    ]
    return {name: OperatorSpec(name, fam, test, neg) for name, fam, test, neg in rows}


OPERATORS: dict[str, OperatorSpec] = _table()
QUALIFIERS = ("ForAllValues", "ForAnyValue")


@dataclass(frozen=True, slots=True)
class ParsedOperator:
    text: str  # as written, e.g. "ForAnyValue:StringLikeIfExists"
    spec: OperatorSpec
    qualifier: str | None  # "ForAllValues" | "ForAnyValue" | None
    if_exists: bool


def parse_operator(text: str) -> ParsedOperator | None:
    """Split 'ForAnyValue:StringLikeIfExists' into its parts; None when it is not an IAM operator."""
    qualifier, rest = None, text
    if ":" in text:
        qualifier, _, rest = text.partition(":")
        if qualifier not in QUALIFIERS:
            return None
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    base = rest[: -len("IfExists")] if if_exists else rest
    spec = OPERATORS.get(base)
    if spec is None or (spec.family is Family.NULL and (if_exists or qualifier)):
        return None
    return ParsedOperator(text, spec, qualifier, if_exists)
