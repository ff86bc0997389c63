"""What validation produces: findings in the shape of Access Analyzer's ValidatePolicy response.

A Location names a JSON value by its path from the document root ({"value": key} for an object
member, {"index": n} for an array item) and the span of its token, quotes included.
"""
from __future__ import annotations

from dataclasses import dataclass

from solvers.jsonspan import Span

ERROR = "ERROR"
SECURITY_WARNING = "SECURITY_WARNING"
WARNING = "WARNING"
SUGGESTION = "SUGGESTION"
FINDING_TYPES = (ERROR, SECURITY_WARNING, WARNING, SUGGESTION)  # most severe first

IDENTITY = "IDENTITY_POLICY"
RESOURCE = "RESOURCE_POLICY"
SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"
POLICY_TYPES = (IDENTITY, RESOURCE, SCP, RCP)

S3_BUCKET = "AWS::S3::Bucket"
S3_ACCESS_POINT = "AWS::S3::AccessPoint"
S3_MRAP = "AWS::S3::MultiRegionAccessPoint"
S3_OBJECT_LAMBDA = "AWS::S3ObjectLambda::AccessPoint"
TRUST = "AWS::IAM::AssumeRolePolicyDocument"
DYNAMODB_TABLE = "AWS::DynamoDB::Table"
RESOURCE_TYPES = (S3_BUCKET, S3_ACCESS_POINT, S3_MRAP, S3_OBJECT_LAMBDA, TRUST, DYNAMODB_TABLE)

_LINK = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
_ANCHOR_KIND = {ERROR: "error", SECURITY_WARNING: "security-warning", WARNING: "general-warning",
                SUGGESTION: "suggestion"}

PathElement = str | int


def learn_more_link(code: str, finding_type: str) -> str:
    """The anchor of the code's heading on AWS's policy-checks reference page."""
    slug = code.lower().replace("_", "-")
    return f"{_LINK}#access-analyzer-reference-policy-checks-{_ANCHOR_KIND[finding_type]}-{slug}"


@dataclass(frozen=True, slots=True)
class Location:
    path: tuple[PathElement, ...]
    span: Span

    def as_dict(self) -> dict:
        return {"path": [{"index": p} if isinstance(p, int) else {"value": p} for p in self.path],
                "span": self.span.as_dict()}


@dataclass(frozen=True, slots=True)
class Finding:
    finding_type: str
    issue_code: str
    details: str
    locations: tuple[Location, ...]

    @property
    def learn_more_link(self) -> str:
        return learn_more_link(self.issue_code, self.finding_type)

    @property
    def sort_key(self) -> tuple:
        first = self.locations[0].span.start_offset if self.locations else -1
        return (first, FINDING_TYPES.index(self.finding_type), self.issue_code)

    def as_dict(self) -> dict:
        return {"findingType": self.finding_type, "issueCode": self.issue_code, "findingDetails": self.details,
                "learnMoreLink": self.learn_more_link, "locations": [loc.as_dict() for loc in self.locations]}
