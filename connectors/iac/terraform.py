"""Terraform plans (`terraform show -json PLAN`): the IAM policies the plan would create.

Resources come from `planned_values.root_module` and every nested `child_modules`, each by its own
`address`, `type` and `name` (never by splitting the address on dots: module keys hold dots). A policy
attribute is a JSON string; its span in the plan is where findings point, the path inside the decoded
document goes into `location.path`. An attribute that is unknown until apply (`after_unknown`) and set
in the configuration is unresolved, never skipped; an unknown attribute the configuration does not set
is computed by the provider (`aws_s3_bucket.policy` beside an `aws_s3_bucket_policy`) and ignored. A
policy taken from a deferred `data.aws_iam_policy_document` is rebuilt from the configuration's
statement blocks, references standing for unknown values.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from connectors.iac.cfn.lambda_perm import function_arn
from connectors.iac.sites import Extraction, Place, Site, TemplateProblem, Unknown
from connectors.iac.source import TERRAFORM_PLAN, Source
from solvers.errors import InputError
from solvers.jsonspan import JArray, JNull, JObject, JString, Node

IDENTITY, RESOURCE = "IDENTITY_POLICY", "RESOURCE_POLICY"


@dataclass(frozen=True)
class Row:
    attribute: str  # dotted, "details.0.policy"
    policy_type: str
    resource_type: str | None
    name: str | None  # the attribute naming the governed resource (or the policy)


def _r(attribute: str, resource_type: str | None, name: str | None) -> Row:
    return Row(attribute, RESOURCE, resource_type, name)


# tf-policy-validator's list of policy attributes, with the Access Analyzer type each governs
TABLE: dict[str, tuple[Row, ...]] = {
    "aws_iam_policy": (Row("policy", IDENTITY, None, "name"),),
    "aws_iam_role_policy": (Row("policy", IDENTITY, None, "name"),),
    "aws_iam_user_policy": (Row("policy", IDENTITY, None, "name"),),
    "aws_iam_group_policy": (Row("policy", IDENTITY, None, "name"),),
    "aws_iam_role": (_r("assume_role_policy", "AWS::IAM::AssumeRolePolicyDocument", "name"),),  # + inline_policy
    "aws_ssoadmin_permission_set_inline_policy": (Row("inline_policy", IDENTITY, None, "permission_set_arn"),),
    "aws_api_gateway_rest_api": (_r("policy", "AWS::ApiGateway::RestApi", "name"),),
    "aws_api_gateway_rest_api_policy": (_r("policy", "AWS::ApiGateway::RestApi", "rest_api_id"),),
    "aws_backup_vault_policy": (_r("policy", "AWS::Backup::BackupVault", "backup_vault_name"),),
    "aws_cloudwatch_event_bus_policy": (_r("policy", "AWS::Events::EventBus", "event_bus_name"),),
    "aws_cloudwatch_log_destination_policy": (_r("access_policy", "AWS::Logs::Destination", "destination_name"),),
    "aws_cloudwatch_log_resource_policy": (_r("policy_document", "AWS::Logs::ResourcePolicy", "policy_name"),),
    "aws_codeartifact_domain_permissions_policy": (_r("policy_document", "AWS::CodeArtifact::Domain", "domain"),),
    "aws_codeartifact_repository_permissions_policy": (_r("policy_document", "AWS::CodeArtifact::Repository",
                                                          "repository"),),
    "aws_codebuild_resource_policy": (_r("policy", "AWS::CodeBuild::Project", "resource_arn"),),
    "aws_ecr_registry_policy": (_r("policy", "AWS::ECR::Registry", None),),
    "aws_ecr_repository_policy": (_r("policy", "AWS::ECR::Repository", "repository"),),
    "aws_ecrpublic_repository_policy": (_r("policy", "AWS::ECR::PublicRepository", "repository_name"),),
    "aws_efs_file_system_policy": (_r("policy", "AWS::EFS::FileSystem", "file_system_id"),),
    "aws_elasticsearch_domain": (_r("access_policies", "AWS::OpenSearchService::Domain", "domain_name"),),
    "aws_elasticsearch_domain_policy": (_r("access_policies", "AWS::OpenSearchService::Domain", "domain_name"),),
    "aws_opensearch_domain": (_r("access_policies", "AWS::OpenSearchService::Domain", "domain_name"),),
    "aws_opensearch_domain_policy": (_r("access_policies", "AWS::OpenSearchService::Domain", "domain_name"),),
    "aws_glacier_vault": (_r("access_policy", "AWS::S3::Glacier", "name"),),
    "aws_glacier_vault_lock": (_r("policy", "AWS::S3::Glacier", "vault_name"),),
    "aws_glue_resource_policy": (_r("policy", "AWS::Glue::Catalog", None),),
    "aws_kms_key": (_r("policy", "AWS::KMS::Key", "key_id"),),
    "aws_kms_external_key": (_r("policy", "AWS::KMS::Key", "key_id"),),
    "aws_kms_replica_key": (_r("policy", "AWS::KMS::Key", "key_id"),),
    "aws_kms_replica_external_key": (_r("policy", "AWS::KMS::Key", "key_id"),),
    "aws_media_store_container_policy": (_r("policy", "AWS::MediaStore::Container", "container_name"),),
    "aws_networkfirewall_resource_policy": (_r("policy", "AWS::NetworkFirewall::RuleGroup", "resource_arn"),),
    "aws_s3_access_point": (_r("policy", "AWS::S3::AccessPoint", "name"),),
    "aws_s3_bucket": (_r("policy", "AWS::S3::Bucket", "bucket"),),
    "aws_s3_bucket_policy": (_r("policy", "AWS::S3::Bucket", "bucket"),),
    "aws_s3control_access_point_policy": (_r("policy", "AWS::S3::AccessPoint", "access_point_arn"),),
    "aws_s3control_bucket_policy": (_r("policy", "AWS::S3Outposts::Bucket", "bucket"),),
    "aws_s3control_multi_region_access_point_policy": (_r("details.0.policy", "AWS::S3::MultiRegionAccessPoint",
                                                          "details.0.name"),),
    "aws_s3control_object_lambda_access_point_policy": (_r("policy", "AWS::S3ObjectLambda::AccessPoint", "name"),),
    "aws_ses_identity_policy": (_r("policy", "AWS::SES::EmailIdentity", "name"),),
    "aws_sns_topic": (_r("policy", "AWS::SNS::Topic", "name"),),
    "aws_sns_topic_policy": (_r("policy", "AWS::SNS::Topic", "arn"),),
    "aws_sqs_queue": (_r("policy", "AWS::SQS::Queue", "name"),),
    "aws_sqs_queue_policy": (_r("policy", "AWS::SQS::Queue", "queue_url"),),
    "aws_sagemaker_model_package_group_policy": (_r("resource_policy", "AWS::SageMaker::ModelPackageGroup",
                                                    "model_package_group_name"),),
    "aws_secretsmanager_secret": (_r("policy", "AWS::SecretsManager::Secret", "name"),),
    "aws_secretsmanager_secret_policy": (_r("policy", "AWS::SecretsManager::Secret", "secret_arn"),),
    "aws_vpc_endpoint": (_r("policy", "AWS::EC2::VPCEndpoint", "service_name"),),
    "aws_dynamodb_resource_policy": (_r("policy", "AWS::DynamoDB::Table", "resource_arn"),),
    "aws_kinesis_resource_policy": (_r("policy", "AWS::Kinesis::Stream", "resource_arn"),),
    "aws_s3tables_table_bucket_policy": (_r("resource_policy", "AWS::S3Tables::TableBucket", "table_bucket_arn"),),
    "aws_s3tables_table_policy": (_r("resource_policy", "AWS::S3Tables::Table", "table_bucket_arn"),),
    "aws_organizations_policy": (Row("content", "SERVICE_CONTROL_POLICY", None, "name"),),
}
_ORG_POLICY_TYPES = {"SERVICE_CONTROL_POLICY": "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY":
                     "RESOURCE_CONTROL_POLICY"}
_LAMBDA_CONDITIONS = (("source_account", "StringEquals", "AWS:SourceAccount"),
                      ("source_arn", "ArnLike", "AWS:SourceArn"),
                      ("principal_org_id", "StringEquals", "aws:PrincipalOrgID"),
                      ("function_url_auth_type", "StringEquals", "lambda:FunctionUrlAuthType"),
                      ("event_source_token", "StringEquals", "lambda:EventSourceToken"))


@dataclass
class PlanResource:
    address: str
    type: str
    node: JObject  # the planned_values entry
    values: JObject | None
    module: tuple[str, ...]  # module names from the root (configuration lookup)
    name: str


def _get(node: Node | None, dotted: str) -> Node | None:
    for step in dotted.split("."):
        if isinstance(node, JObject):
            node = node.get(step)
        elif isinstance(node, JArray) and step.isdigit() and int(step) < len(node.items):
            node = node.items[int(step)]
        else:
            return None
    return node


def _items(node: Node | None) -> tuple[Node, ...]:
    return node.items if isinstance(node, JArray) else ()


def _str(node: Node | None) -> str | None:
    return node.value if isinstance(node, JString) else None


def _module_names(address: str | None) -> tuple[str, ...]:
    """`module.a["k"].module.b` -> ("a", "b"): module names for the configuration tree."""
    out, rest = [], address or ""
    while rest.startswith("module."):
        rest = rest[len("module."):]
        end = 0
        while end < len(rest) and rest[end] not in ".[":
            end += 1
        out.append(rest[:end])
        rest = rest[end:]
        if rest.startswith("["):  # skip the key, which may hold dots and brackets inside quotes
            depth, i, quoted = 0, 0, False
            while i < len(rest):
                ch = rest[i]
                if ch == '"' and (i == 0 or rest[i - 1] != "\\"):
                    quoted = not quoted
                elif not quoted and ch == "[":
                    depth += 1
                elif not quoted and ch == "]":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            rest = rest[i + 1:]
        rest = rest[1:] if rest.startswith(".") else rest
    return tuple(out)


def resources(plan: JObject) -> Iterator[PlanResource]:
    root = _get(plan, "planned_values.root_module")
    stack = [root] if isinstance(root, JObject) else []
    while stack:
        module = stack.pop(0)
        names = _module_names(_str(module.get("address")))
        for r in _items(module.get("resources")):
            if not isinstance(r, JObject) or _str(r.get("mode")) == "data":
                continue
            address, rtype, name = _str(r.get("address")), _str(r.get("type")), _str(r.get("name"))
            if address is None or rtype is None or name is None:
                raise InputError(f"plan resource without address/type/name at line {r.span.start.line}")
            values = r.get("values")
            yield PlanResource(address, rtype, r, values if isinstance(values, JObject) else None, names, name)
        children = module.get("child_modules")
        if isinstance(children, JArray):
            stack.extend(c for c in children.items if isinstance(c, JObject))


class PlanReader:
    def __init__(self, source: Source, account: str, region: str, exclude: Iterable[str], wildcard: bool = False):
        from connectors.iac.cfn.arns import partition_of
        self.source = source
        self.plan: JObject = source.tree  # type: ignore[assignment]
        self.account, self.region, self.partition = account, region, partition_of(region)
        self.exclude = {t.lower() for t in exclude}
        self.wildcard = wildcard
        self.sites: list[Site] = []
        self.problems: list[TemplateProblem] = []
        self.unknown = self._after_unknown()
        self._by_address: dict[str, PlanResource] = {}

    def _after_unknown(self) -> dict[str, Any]:
        out = {}
        changes = self.plan.get("resource_changes")
        from connectors.iac.source import to_python
        for rc in _items(changes):
            address = _str(rc.get("address")) if isinstance(rc, JObject) else None
            if isinstance(rc, JObject) and address:
                out[address] = to_python(_get(rc, "change.after_unknown") or JObject((), rc.span))
        return out

    def place(self, r: PlanResource, attribute: str, node: Node | None) -> Place:
        return Place(self.source.name, ("planned_values", r.address, attribute), (node or r.node).span)

    def _configured(self, r: PlanResource, attribute: str) -> Node | None:
        """The configuration expression of an attribute, if the configuration sets it."""
        module: Node | None = _get(self.plan, "configuration.root_module")
        for name in r.module:
            module = _get(module, f"module_calls.{name}.module")
        for c in _items(module.get("resources") if isinstance(module, JObject) else None):
            if isinstance(c, JObject) and _str(c.get("address")) == f"{r.type}.{r.name}":
                return _get(c, "expressions." + attribute.split(".")[0])
        return None

    def _unknown(self, r: PlanResource, attribute: str) -> bool:
        cur: Any = self.unknown.get(r.address, {})
        for step in attribute.split("."):
            if isinstance(cur, dict):
                cur = cur.get(step)
            elif isinstance(cur, list) and step.isdigit() and int(step) < len(cur):
                cur = cur[int(step)]
            else:
                return False
        return cur is True

    def configured_expression(self, r: PlanResource, attribute: str) -> Node | None:
        return self._configured(r, attribute)

    def values_of(self, address: str | None) -> JObject | None:
        r = self._by_address.get(address or "")
        return r.values if r is not None else None

    def run(self) -> Extraction:
        from connectors.iac.terraform_attachments import attach
        planned = list(resources(self.plan))
        self._by_address = {r.address: r for r in planned}
        for r in planned:
            if r.type.lower() in self.exclude:
                continue
            if r.type == "aws_lambda_permission":
                self._lambda(r)
                continue
            rows = TABLE.get(r.type, ())
            for row in rows:
                self._site(r, row, row.attribute)
            if r.type == "aws_iam_role":
                self._inline_policies(r)
        principals = attach(self, planned)
        ctx = {"account": self.account, "region": self.region, "partition": self.partition}
        return Extraction(self.source.name, TERRAFORM_PLAN, self.sites, principals, self.problems, ctx)

    def _inline_policies(self, r: PlanResource) -> None:
        inline = _get(r.values, "inline_policy")
        items = inline.items if isinstance(inline, JArray) else ()
        for i, _ in enumerate(items):
            self._site(r, Row("policy", IDENTITY, None, "name"), f"inline_policy.{i}.policy")
        if items or not self._unknown(r, "inline_policy"):
            return
        config = self._configured(r, "inline_policy")  # a walk of the configuration: only when unknown
        if config is not None:
            # the whole block list is unknown (a dynamic block over values known after apply): one
            # unresolved site stands for its policies rather than none
            place = self.place(r, "inline_policy", config)
            site = Site(r.type, IDENTITY, None, "inline_policy", place, address=r.address, attribute="inline_policy")
            site.unresolved.append(Unknown(self._deferred_reason(config), place))
            self.sites.append(site)

    def _site(self, r: PlanResource, row: Row, attribute: str) -> None:
        node = _get(r.values, attribute)
        policy_type = row.policy_type
        if r.type == "aws_organizations_policy":
            policy_type = _ORG_POLICY_TYPES.get(_str(_get(r.values, "type")) or "SERVICE_CONTROL_POLICY", "")
            if not policy_type:
                return  # tag and backup policies are not IAM policies
        name = _str(_get(r.values, row.name)) if row.name else None
        resource_type = row.resource_type
        if r.type == "aws_dynamodb_resource_policy" and name and "/stream/" in name:
            resource_type = "AWS::DynamoDB::Stream"
        site = Site(r.type, policy_type, resource_type, attribute.split(".")[0], self.place(r, attribute, node),
                    address=r.address, attribute=attribute, resource_name=name)
        if isinstance(node, JString):
            if not node.value.strip():
                return
            self._decode(site, node)
        elif node is None or isinstance(node, JNull):
            if not self._unknown(r, attribute):
                return  # not set
            config = self._configured(r, attribute)
            if config is None:
                return  # computed by the provider, not written by the user
            site.unresolved.append(Unknown(self._deferred_reason(config), self.place(r, attribute, config)))
            self._rebuild(site, config)
        else:
            self.problems.append(TemplateProblem("IAC_INVALID_RESOURCE", f"{r.address}.{attribute} is not a JSON "
                                                 "string", r.address, site.place, r.type, is_address=True))
            return
        self.sites.append(site)

    def _decode(self, site: Site, node: JString) -> None:
        try:
            doc = json.loads(node.value)
        except json.JSONDecodeError as exc:
            self.problems.append(TemplateProblem("IAC_INVALID_RESOURCE", f"{site.address}.{site.attribute} is not "
                                                 f"JSON: {exc}", site.address or "", site.place, site.source_type,
                                                 is_address=True))
            return
        if not isinstance(doc, dict):
            self.problems.append(TemplateProblem("IAC_INVALID_RESOURCE", f"{site.address}.{site.attribute} is not a "
                                                 "JSON object", site.address or "", site.place, site.source_type,
                                                 is_address=True))
            return
        site.policy = doc
        site.origins = {(): node.span}

    @staticmethod
    def _deferred_reason(config: Node) -> str:
        refs = _get(config, "references")
        names = [x.value for x in refs.items if isinstance(x, JString)] if isinstance(refs, JArray) else []
        return "after_unknown" + (f" ({', '.join(names[:3])})" if names else "")

    def _rebuild(self, site: Site, config: Node) -> None:
        """A policy from a deferred data.aws_iam_policy_document: its statements from the configuration."""
        refs = _get(config, "references")
        names = [x.value for x in refs.items if isinstance(x, JString)] if isinstance(refs, JArray) else []
        data = next((n for n in names if n.startswith("data.aws_iam_policy_document.") and n.count(".") == 2), None)
        if data is None:
            return  # jsonencode(...) with references: only the reference list is in the plan
        block = self._data_config(site, data)
        if block is not None:
            site.policy = policy_from_blocks(block)
            site.origins = {(): block.span}
            if self.wildcard:  # references read as "*": an over-approximation only if no Deny is kept
                statements = site.policy["Statement"]
                site.policy["Statement"] = [st for st in statements if st.get("Effect") != "Deny"]
                site.widened = True

    def _data_config(self, site: Site, name: str) -> JObject | None:
        module: Node | None = _get(self.plan, "configuration.root_module")
        for m in _module_names(site.address):
            module = _get(module, f"module_calls.{m}.module")
        for c in _items(module.get("resources") if isinstance(module, JObject) else None):
            if isinstance(c, JObject) and _str(c.get("address")) == name:
                expressions = c.get("expressions")
                return expressions if isinstance(expressions, JObject) else None
        return None

    def _lambda(self, r: PlanResource) -> None:
        values = r.values
        function = _str(_get(values, "function_name"))
        place = self.place(r, "policy", r.values)
        if function is None:
            site = Site(r.type, RESOURCE, "AWS::Lambda::Function", "policy", place, address=r.address,
                        attribute="policy")
            site.unresolved.append(Unknown("function_name (after_unknown)", place))
            self.sites.append(site)
            return
        qualifier = _str(_get(values, "qualifier"))
        arn = function_arn(function + (f":{qualifier}" if qualifier else ""), self.partition, self.region,
                           self.account)
        principal = _str(_get(values, "principal")) or ""
        statement: dict = {"Effect": "Allow", "Action": _str(_get(values, "action")),
                           "Principal": {"Service": principal} if "amazonaws" in principal else {"AWS": principal},
                           "Resource": arn}
        parts = arn.split(":")
        site = Site(r.type, RESOURCE, "AWS::Lambda::Function", "policy", place, address=r.address,
                    attribute="policy", resource_name=parts[parts.index("function") + 1] if "function" in parts
                    else function)
        for attr, operator, key in _LAMBDA_CONDITIONS:
            v = _str(_get(values, attr))
            if v:
                statement.setdefault("Condition", {}).setdefault(operator, {})[key] = v
            elif self._unknown(r, attr):  # dropping the condition would widen the policy
                site.unresolved.append(Unknown(f"{attr} (after_unknown)", place))
        site.policy = {"Version": "2012-10-17", "Statement": [statement]}
        site.origins = {(): place.span} if place.span else {}
        self.sites.append(site)


def policy_from_blocks(data: JObject) -> dict:
    """An IAM policy from `aws_iam_policy_document` configuration blocks; references become `*`."""
    statements = []
    blocks = data.get("statement")
    for b in blocks.items if isinstance(blocks, JArray) else ():
        if not isinstance(b, JObject):
            continue
        st: dict = {}
        sid = _constant(b.get("sid"))
        if sid:
            st["Sid"] = sid
        st["Effect"] = _constant(b.get("effect")) or "Allow"
        for attr, key in (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"),
                          ("not_resources", "NotResource")):
            v = _constant(b.get(attr))
            if v is not None:
                st[key] = v
        for attr, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            ps = b.get(attr)
            for p in ps.items if isinstance(ps, JArray) else ():
                kind, ids = _constant(p.get("type")), _constant(p.get("identifiers"))  # type: ignore[union-attr]
                if kind:
                    st.setdefault(key, {})[kind] = ids
        conds = b.get("condition")
        for c in conds.items if isinstance(conds, JArray) else ():
            test, var, vals = (_constant(c.get(k)) for k in ("test", "variable", "values"))  # type: ignore[union-attr]
            if test and var:
                st.setdefault("Condition", {}).setdefault(test, {})[var] = vals
        statements.append(st)
    return {"Version": "2012-10-17", "Statement": statements}


def _constant(expr: Node | None) -> Any:
    """A configuration expression's constant value, or `*` for one that references other objects."""
    from connectors.iac.source import to_python
    if not isinstance(expr, JObject):
        return None
    if expr.get("constant_value") is not None:
        return to_python(expr.get("constant_value"))  # type: ignore[arg-type]
    if expr.get("references") is not None:
        return "*"
    return None


def extract_plan(source: Source, account: str, region: str, exclude: Iterable[str], defaulted: bool,
                 wildcard: bool = False) -> Extraction:
    if not isinstance(source.tree, JObject) or source.tree.get("planned_values") is None:
        raise InputError(f"{source.name}: not a `terraform show -json` plan (no planned_values)")
    ex = PlanReader(source, account, region, exclude, wildcard).run()
    ex.context["accountDefaulted"] = defaulted
    return ex
