"""Condition values that must have a shape (IP ranges, VPC and endpoint IDs, KMS key ARNs, Regions,
service names), values too permissive for keys that draw a trust boundary, and keys that are unsafe
alone or in the wrong context."""
from __future__ import annotations

import ipaddress
import re

from solvers.validation.checks.principals import SERVICE_PRINCIPAL
from solvers.validation.findings import ERROR, SECURITY_WARNING, SUGGESTION
from solvers.validation.reference import is_region
from solvers.validation.rules import EVERY_POLICY, Context, Family, Rule

_VPC = re.compile(r"^vpc-([A-Za-z0-9]{8}|[A-Za-z0-9]{17})$")
_VPCE = re.compile(r"^vpce-([A-Za-z0-9]{8}|[A-Za-z0-9]{17})$")
_KMS_KEY = re.compile(r"^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")
_VIA_SERVICE = re.compile(r"^[a-z0-9-]+\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
_KMS_KEY_KEYS = ("s3:x-amz-server-side-encryption-aws-kms-key-id",)
_REGION_KEYS = ("aws:requestedregion", "ec2:region")
# Keys that draw a trust boundary (AWS's check reference, "Error – Wildcard usage too permissive", and
# the "Sensitive condition keys" list of its global condition keys page). On the ID keys no wildcard
# has a valid use; on ARN keys a wildcard needs 6 literal characters before it; on aws:userid
# ("UNIQUE-ID:SESSION") a wildcard may only stand after the colon or be the whole unique-ID part.
NO_WILDCARD_KEYS = ("aws:principalaccount", "aws:principalorgid", "aws:resourceaccount", "aws:resourceorgid",
                    "aws:sourceaccount", "aws:sourceorgid", "aws:sourcevpc", "aws:sourcevpce", "aws:vpceaccount",
                    "aws:vpceorgid")
PREFIX_KEYS = ("aws:principalarn", "aws:sourcearn")
SENSITIVE_KEYS = (*NO_WILDCARD_KEYS, *PREFIX_KEYS, "aws:userid")
MIN_LITERAL_PREFIX = 6
_UNTRUSTWORTHY = ("aws:useragent", "aws:referer")
_PAIRS = {"aws:vpcsourceip": ("aws:sourcevpc", "aws:sourcevpce"),
          "aws:ec2instancesourceprivateipv4": ("aws:ec2instancesourcevpc",)}

RULES = (
    Rule("TYPE_MISMATCH_IP_RANGE", ERROR, EVERY_POLICY, "{value!r} is not an IP address or CIDR range.",
         "AWS rejects IP conditions that are not addresses."),
    Rule("IMPROVE_IP_RANGE", SUGGESTION, EVERY_POLICY,
         "{value!r} has bits set after the prefix length; it means {network}.",
         "Writing the network address makes the range obvious."),
    Rule("PRIVATE_IP_ADDRESS", ERROR, EVERY_POLICY,
         "aws:SourceIp holds public addresses only, so {values} never match; use aws:VpcSourceIp for "
         "addresses inside a VPC.", "Requests through a VPC endpoint carry no aws:SourceIp."),
    Rule("PRIVATE_NOT_IP_ADDRESS", ERROR, EVERY_POLICY,
         "aws:SourceIp holds public addresses only, so excluding {values} excludes nothing; use aws:VpcSourceIp.",
         "The condition always holds."),
    Rule("PRIVATE_IP_ADDRESS_SUBSET", SUGGESTION, EVERY_POLICY,
         "The private ranges {values} never match aws:SourceIp; use aws:VpcSourceIp for them.",
         "Part of the list has no effect."),
    Rule("PRIVATE_NOT_IP_ADDRESS_SUBSET", SUGGESTION, EVERY_POLICY,
         "Excluding the private ranges {values} from aws:SourceIp has no effect; use aws:VpcSourceIp.",
         "Part of the list has no effect."),
    Rule("INVALID_VPC_FORMAT", ERROR, EVERY_POLICY, "{value!r} is not a VPC ID (vpc- and 8 or 17 characters).",
         "A malformed VPC ID never matches."),
    Rule("INVALID_VPCE_FORMAT", ERROR, EVERY_POLICY,
         "{value!r} is not a VPC endpoint ID (vpce- and 8 or 17 characters).", "A malformed ID never matches."),
    Rule("INVALID_KMS_KEY_VALUE", ERROR, EVERY_POLICY, "{value!r} is not a KMS key ARN (arn:aws:kms:REGION:"
         "ACCOUNT:key/ID).", "S3 records the key by its ARN; other spellings never match."),
    Rule("INVALID_REGION", ERROR, EVERY_POLICY, "{value!r} is not an AWS Region.", "An unknown Region never matches."),
    Rule("WILDCARD_USAGE_TOO_PERMISSIVE", ERROR, EVERY_POLICY,
         "{value!r} for {key} is too permissive: {why}.",
         "A boundary key matched by a short pattern lets outsiders in."),
    Rule("VARIABLE_USAGE_TOO_PERMISSIVE", ERROR, EVERY_POLICY,
         "{value!r} for {key} is too permissive: {why}; a policy variable acts as a wildcard here.",
         "A variable at the start of a boundary value acts as a wildcard."),
    Rule("UNTRUSTWORTHY_CONDITION_KEY", SECURITY_WARNING, EVERY_POLICY,
         "{key} is set by the caller and can be forged; do not grant access on it.",
         "Client-supplied headers are not an access control."),
    Rule("MISSING_PAIRED_CONDITION_KEYS", SECURITY_WARNING, EVERY_POLICY,
         "{key} is only meaningful with {pair}: the same address exists in every VPC.",
         "Private addresses repeat across networks."),
    Rule("DYNAMODB_ATTRIBUTES_WITHOUT_SELECT", SECURITY_WARNING, EVERY_POLICY,
         "dynamodb:Attributes limits the attributes named in a request, but a read that names none returns "
         "every attribute; also require dynamodb:Select = SPECIFIC_ATTRIBUTES.",
         "Without Select, a projection-less read bypasses the attribute restriction."),
    Rule("S3_PREFIX_IN_NEGATIVE_CONTEXT", SECURITY_WARNING, EVERY_POLICY,
         "s3:prefix in a {context} can be bypassed with a shorter or different prefix.",
         "A listing request chooses its own prefix."),
)


def check_values(ctx: Context) -> None:
    for s in ctx.statements:
        conditions = s.conditions()
        keys = {c.key_lower for c in conditions}
        for c in conditions:
            low = c.key_lower
            if c.operator.base in ("IpAddress", "NotIpAddress"):
                _ips(ctx, c)
            if c.operator.base == "Null":
                continue  # its values are true/false, not values of the key
            vals = [v for v in c.values if v.is_string and "*" not in v.text and "?" not in v.text
                    and "${" not in v.text]
            for v in vals:
                if low == "aws:sourcevpc" and not _VPC.match(v.text):
                    ctx.report("INVALID_VPC_FORMAT", v, value=v.text)
                elif low == "aws:sourcevpce" and not _VPCE.match(v.text):
                    ctx.report("INVALID_VPCE_FORMAT", v, value=v.text)
                elif low in _KMS_KEY_KEYS and not _KMS_KEY.match(v.text):
                    ctx.report("INVALID_KMS_KEY_VALUE", v, value=v.text)
                elif low in _REGION_KEYS and not is_region(v.text):
                    ctx.report("INVALID_REGION", v, value=v.text)
                elif low == "kms:viaservice" and not _VIA_SERVICE.match(v.text):
                    ctx.report("INVALID_SERVICE_PRINCIPAL_FORMAT", v, value=v.text,
                               expected="secretsmanager.us-east-1.amazonaws.com")
                elif low == "aws:principalservicename" and not SERVICE_PRINCIPAL.match(v.text):
                    ctx.report("INVALID_SERVICE_PRINCIPAL_FORMAT", v, value=v.text, expected="lambda.amazonaws.com")
            if low in SENSITIVE_KEYS and "Not" not in c.operator.base:
                _permissive(ctx, c)
            if s.effect == "Allow" and low in _UNTRUSTWORTHY and "Not" not in c.operator.base:
                ctx.report("UNTRUSTWORTHY_CONDITION_KEY", c.value, key=c.key)
            if low in _PAIRS and not any(p in keys for p in _PAIRS[low]):
                ctx.report("MISSING_PAIRED_CONDITION_KEYS", c.value, key=c.key, pair=" or ".join(_PAIRS[low]))
            if low == "dynamodb:attributes" and s.effect == "Allow" and "dynamodb:select" not in keys:
                ctx.report("DYNAMODB_ATTRIBUTES_WITHOUT_SELECT", c.value)
            if low == "s3:prefix":
                negated = "Not" in c.operator.base
                if s.effect == "Deny" and not negated:
                    ctx.report("S3_PREFIX_IN_NEGATIVE_CONTEXT", c.value, context="Deny statement")
                elif s.effect == "Allow" and negated:
                    ctx.report("S3_PREFIX_IN_NEGATIVE_CONTEXT", c.value, context=f"negated operator ({c.operator.text})")


def _ips(ctx: Context, c) -> None:
    networks = []
    for v in c.values:
        text = v.text if v.is_string else ""
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError:
            ctx.report("TYPE_MISMATCH_IP_RANGE", v, value=text)
            continue
        if "/" in text and _strict(text) is None:  # host bits set after the prefix
            ctx.report("IMPROVE_IP_RANGE", v, value=text, network=str(net))
        networks.append((v, net))
    if c.key_lower != "aws:sourceip" or not networks:
        return
    private = [(v, n) for v, n in networks if _is_private(n)]
    if not private:
        return
    values = ", ".join(v.text for v, _ in private)
    negated = c.operator.base == "NotIpAddress"
    if len(private) == len(networks):
        ctx.report("PRIVATE_NOT_IP_ADDRESS" if negated else "PRIVATE_IP_ADDRESS", c.value, values=values)
    else:
        ctx.report("PRIVATE_NOT_IP_ADDRESS_SUBSET" if negated else "PRIVATE_IP_ADDRESS_SUBSET",
                   [v for v, _ in private], values=values)


# Addresses aws:SourceIp never holds: requests from private networks reach AWS through a VPC endpoint,
# where the key is aws:VpcSourceIp. RFC 1918 and the IPv6 unique local range, not every range the
# standard library calls private (loopback, benchmarking, documentation ranges are public here).
_PRIVATE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))


def _is_private(net) -> bool:
    """Inside one private range (a wider range such as 0.0.0.0/0 is a public one)."""
    return any(p.version == net.version and net.subnet_of(p) for p in _PRIVATE)


def _strict(text: str):
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError:
        return None


_ONE_VARIABLE = re.compile(r"\$\{[^}]*\}")


def _userid_allows(text: str) -> bool:
    """aws:userid is "UNIQUE-ID:SESSION": a wildcard or variable may stand anywhere after the colon, and
    before it only as the whole unique-ID part ("*:ci-session", "AROAEXAMPLE:*", "${aws:userid}:*")."""
    colon = _ONE_VARIABLE.sub(lambda m: "_" * len(m.group()), text).find(":")  # not a variable's own colon
    if colon < 0:
        return False
    head = text[:colon]
    return head == "*" or _ONE_VARIABLE.fullmatch(head) is not None \
        or not any(m in head for m in ("*", "?", "${"))


def _permissive(ctx: Context, c) -> None:
    low = c.key_lower
    for v in c.values:
        text = v.text
        cut = min((i for i in (text.find("*"), text.find("?"), text.find("${")) if i >= 0), default=-1)
        if cut < 0:
            continue
        variable = text.find("${") == cut
        if low != "aws:userid" and variable and (
                ctx.policy_type in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")
                or text.startswith("${aws:") and text.endswith("}") and text.count("${") == 1):
            continue  # a whole-value variable compares one boundary with another (data perimeters)
        if low == "aws:userid":
            if _userid_allows(text):
                continue
            why = "in the unique-ID part it must be that whole part (\"*:SESSION\") or stand after the colon"
        elif low in PREFIX_KEYS:
            if cut >= MIN_LITERAL_PREFIX:
                continue
            why = f"only {cut} literal characters precede it, at least {MIN_LITERAL_PREFIX} are needed"
        else:
            why = "this key names an account, organization or network, which no pattern should widen"
        code = "VARIABLE_USAGE_TOO_PERMISSIVE" if variable else "WILDCARD_USAGE_TOO_PERMISSIVE"
        ctx.report(code, v, value=text, key=c.key, why=why)


FAMILY = Family("values", RULES, check_values)
