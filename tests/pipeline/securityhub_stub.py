"""Security Hub in the export tests: moto's server holds the imported findings; BatchUpdateFindings,
which moto lacks, is answered by a botocore hook whose request and answer are checked against Security
Hub's service model."""
from __future__ import annotations

from model_walker import problems, shapes


class UpdateFindingsStub:
    """A SessionConfig client hook: records BatchUpdateFindings requests and answers them."""

    def __init__(self) -> None:
        self.model = shapes("securityhub")
        self.calls: list[dict] = []

    def __call__(self, client) -> None:
        if client.meta.service_model.service_name == "securityhub":
            client.meta.events.register("before-parameter-build.securityhub.BatchUpdateFindings", self.record)
            client.meta.events.register("before-call.securityhub.BatchUpdateFindings", self.answer)

    def record(self, params, **_) -> None:
        assert problems(self.model, params, "BatchUpdateFindingsRequest") == []
        self.calls.append(params)

    def answer(self, **_):
        from botocore.awsrequest import AWSResponse
        response = {"ProcessedFindings": self.calls[-1]["FindingIdentifiers"], "UnprocessedFindings": []}
        assert problems(self.model, response, "BatchUpdateFindingsResponse") == []
        return AWSResponse("", 200, {}, None), response


def hub_findings(url: str, accounts: list[str], regions: list[str]) -> dict[tuple[str, str], list[dict]]:
    """Every finding Security Hub holds, per (account, Region), read from inside each account."""
    from connectors.aws.session import SessionConfig, Sessions
    sessions = Sessions(SessionConfig(endpoint_url=url))
    out = {}
    for account in accounts:
        for region in regions:
            client = sessions.client(sessions.for_account(account), "securityhub", region)
            out[(account, region)] = [f for page in client.get_paginator("get_findings").paginate()
                                      for f in page["Findings"]]
    return out
