"""Policy variables (${aws:username}): their syntax, the elements and operators that substitute them,
and the policy version that enables them."""
from __future__ import annotations

from solvers.validation.document import At
from solvers.validation.findings import ERROR
from solvers.validation.rules import EVERY_POLICY, Context, Family, Rule

_ESCAPES = ("*", "?", "$")
_SUBSTITUTED_IN = ("Resource", "NotResource", "Condition")

RULES = (
    Rule("MISSING_BRACE_IN_VARIABLE", ERROR, EVERY_POLICY, "The variable starting at {fragment!r} has no closing }}.",
         "An unclosed variable is read literally."),
    Rule("MISSING_QUOTE_IN_VARIABLE", ERROR, EVERY_POLICY,
         "The default value in {variable!r} must be in single quotes, as in ${{aws:username, 'none'}}.",
         "Defaults are only recognised in single quotes."),
    Rule("UNSUPPORTED_SPACE_IN_VARIABLE", ERROR, EVERY_POLICY, "{variable!r} has spaces in the key name.",
         "Variable names cannot contain whitespace."),
    Rule("EMPTY_VARIABLE", ERROR, EVERY_POLICY, "{variable!r} names no key.", "An empty variable is rejected."),
    Rule("VARIABLE_UNSUPPORTED_IN_ELEMENT", ERROR, EVERY_POLICY,
         "{element} does not substitute policy variables; {variable!r} is read literally.",
         "Only Resource, NotResource and condition values substitute variables."),
    Rule("VARIABLE_UNSUPPORTED_IN_VERSION", ERROR, EVERY_POLICY,
         "{variable!r} needs \"Version\": \"2012-10-17\"; with {version} it is read literally.",
         "Variables arrived with the 2012-10-17 policy language."),
    Rule("INVALID_VARIABLE_FOR_OPERATOR", ERROR, EVERY_POLICY,
         "{operator} does not substitute policy variables; only String and Arn operators do.",
         "Other operators read the variable literally."),
)


def variables_in(text: str) -> list[tuple[str, str | None]]:
    """Every ${...} in text as (whole, problem code or None); an unclosed one ends the scan."""
    out: list[tuple[str, str | None]] = []
    pos = 0
    while (start := text.find("${", pos)) >= 0:
        end = text.find("}", start)
        if end < 0:
            out.append((text[start:], "MISSING_BRACE_IN_VARIABLE"))
            break
        whole, inner = text[start:end + 1], text[start + 2:end]
        pos = end + 1
        if inner in _ESCAPES:
            continue
        name, comma, default = inner.partition(",")
        if not inner.strip():
            out.append((whole, "EMPTY_VARIABLE"))
        elif name != name.strip() or any(ch.isspace() for ch in name):
            out.append((whole, "UNSUPPORTED_SPACE_IN_VARIABLE"))
        elif comma and not (len(default.strip()) >= 2 and default.strip()[0] == default.strip()[-1] == "'"):
            out.append((whole, "MISSING_QUOTE_IN_VARIABLE"))
        else:
            out.append((whole, None))
    return out


def _strings(at: At):
    """Every string value under `at` (objects and arrays walked)."""
    stack = [at]
    while stack:
        cur = stack.pop()
        if cur.is_string:
            yield cur
        elif cur.members():
            stack.extend(v for _, v in cur.members())
        else:
            items = cur.items()
            if items != [cur]:
                stack.extend(items)


def check_variables(ctx: Context) -> None:
    text = ctx.document.text
    if "${" not in text:
        return
    # Only elements with "${" as written are read. Without \u escapes (which may spell "$" or "{") in
    # the document, those are the elements with a string holding one: the walk below finds them
    # without reading where each element is written.
    escaped = "\\u" in text
    version = ctx.document.version
    for s in ctx.statements:
        for name, element in s.elements.items():
            if escaped and "${" not in text[element.node.span.start_offset:element.node.span.end_offset]:
                continue
            operators: dict | None = None  # a Condition's operators by value path, read when needed
            for v in _strings(element):
                found = variables_in(v.text)
                if not found:
                    continue
                for whole, problem in found:
                    if problem:
                        ctx.report(problem, v, fragment=whole[:20], variable=whole)
                variable = found[0][0]
                if name not in _SUBSTITUTED_IN:
                    ctx.report("VARIABLE_UNSUPPORTED_IN_ELEMENT", v, element=name, variable=variable)
                    continue
                if version != "2012-10-17":
                    ctx.report("VARIABLE_UNSUPPORTED_IN_VERSION", v, variable=variable,
                               version=f"Version {version}" if version else "no Version")
                if operators is None:
                    operators = {c.value.path: c.operator for c in s.conditions()} if name == "Condition" else {}
                op = _operator_of(v, operators)
                if op is not None and not (op.base.startswith(("String", "Arn"))):
                    ctx.report("INVALID_VARIABLE_FOR_OPERATOR", v, operator=op.text)


def _operator_of(v: At, operators: dict):
    path = v.path
    while path:
        if path in operators:
            return operators[path]
        path = path[:-1]
    return None


FAMILY = Family("variables", RULES, check_variables)
