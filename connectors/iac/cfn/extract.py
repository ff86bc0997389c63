"""CloudFormation: every policy site of a template, resolved, with its principals and problems.

Each resource family (identity, resource policies, Lambda permissions) is a module with a table
`FAMILIES: {resource type: function(extractor, logical_id, props)}`; this module walks the resources in
template order, gives each family a `Props` view, and turns what goes wrong into problems attributed to
the resource: a malformed resource is IAC_INVALID_RESOURCE, a value that cannot be known offline
IAC_UNRESOLVED_VALUE. Nothing is dropped silently.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from connectors.iac.cfn import identity, lambda_perm, resources
from connectors.iac.cfn.props import InvalidResource, Props, as_policy
from connectors.iac.cfn.resolve import Context, Resolution, Resolver, Template, TemplateError, Unresolved
from connectors.iac.sites import Extraction, Place, Principal, Site, TemplateProblem, Unknown
from connectors.iac.source import CLOUDFORMATION, Source
from solvers.errors import InputError
from solvers.jsonspan import JArray, JObject, JString, Node, Span

INVALID = "IAC_INVALID_RESOURCE"
UNRESOLVED = "IAC_UNRESOLVED_VALUE"
Family = Callable[["Extractor", str, Props], None]


class Extractor:
    def __init__(self, source: Source, ctx: Context, exclude: Iterable[str] = ()):
        try:
            self.template = Template.of(source.tree)  # type: ignore[arg-type]
        except TemplateError as exc:
            raise InputError(f"{source.name}: {exc.message}") from None
        self.source = source
        self.ctx = ctx
        self.exclude = {t.lower() for t in exclude}
        self.resolver = Resolver(self.template, ctx)
        self.sites: list[Site] = []
        self.principals: dict[str, Principal] = {}
        self.problems: list[TemplateProblem] = []
        self.synthesized: dict[tuple, Site] = {}  # Lambda permission policies, by function / layer version
        self.managed_by_arn: dict[str, Site] = {}  # in-template managed policies, by their ARN
        self.after: list[Callable[[], None]] = []
        self._by_name: dict[tuple[str, str], list[Principal]] | None = None  # work that needs every resource seen (attachments, merges)

    # ---------------------------------------------------------------- places

    def place(self, logical_id: str, *path: str | int, span: Span | None = None) -> Place:
        if span is None:
            node: Node | None = self.template.resources.get(logical_id)
            for step in path:
                if isinstance(node, JObject) and isinstance(step, str):
                    node = node.get(step)
                elif isinstance(node, JArray) and isinstance(step, int) and step < len(node.items):
                    node = node.items[step]
                else:
                    node = None
                if node is None:
                    break
            span = node.span if node is not None else self.template.resources[logical_id].span
        return Place(self.source.name, ("Resources", logical_id) + path, span)

    # ---------------------------------------------------------------- building sites

    def policy_site(self, props: Props, node: Node, path: tuple[str | int, ...], site: Site) -> Site:
        """Resolve the document at `node` into `site` (unresolved values are listed, never dropped)."""
        try:
            res = self.resolver.resolve(node)
        except Unresolved as exc:
            site.place = self.place(props.logical_id, "Properties", *path, span=node.span)
            site.unresolved.append(Unknown(exc.what, self._place_of(exc.span, site.place)))
            self.sites.append(site)
            return site
        return self.resolved_site(props, node, path, site, res)

    def resolved_site(self, props: Props, node: Node, path: tuple[str | int, ...], site: Site,
                      res: Resolution) -> Site:
        site.place = self.place(props.logical_id, "Properties", *path, span=node.span)
        res = as_policy(res, props.where(*path), node.span)
        site.policy, site.origins = res.value, res.origins
        for _doc_path, what, span in res.unknown:
            site.unresolved.append(Unknown(what, self._place_of(span, site.place)))
        site.widened = bool(res.unknown)
        self.sites.append(site)
        return site

    def _place_of(self, span: Span | None, fallback: Place) -> Place:
        return Place(fallback.file, fallback.path, span or fallback.span)

    def principal(self, p: Principal) -> None:
        self.principals[p.logical_id] = p
        self._by_name = None

    def principals_by_name(self) -> dict[tuple[str, str], list[Principal]]:
        """Principals by (type, name), built once all resources are read (attachments name principals)."""
        if self._by_name is None:
            self._by_name = {}
            for p in self.principals.values():
                self._by_name.setdefault((p.type, p.name), []).append(p)
        return self._by_name

    def problem(self, code: str, message: str, logical_id: str, span: Span | None, source_type: str | None) -> None:
        span = span or self.template.resources[logical_id].span
        self.problems.append(TemplateProblem(code, message, logical_id,
                                             Place(self.source.name, ("Resources", logical_id), span), source_type))

    # ---------------------------------------------------------------- the walk

    def run(self) -> Extraction:
        families: dict[str, Family] = {**identity.FAMILIES, **resources.FAMILIES, **lambda_perm.FAMILIES}
        for logical_id, resource in self.template.resources.items():
            type_node = resource.get("Type")
            if not isinstance(type_node, JString):
                self.problem(INVALID, f"'Type' is a required string of Resources.{logical_id}", logical_id,
                             resource.span, None)
                continue
            rtype = type_node.value
            if rtype.lower() in self.exclude:
                continue
            if rtype.startswith("AWS::Serverless::") or rtype.upper().endswith("::MODULE"):
                self.problem(UNRESOLVED, f"cannot resolve {rtype} {logical_id}: a transform or module expands it "
                             "at deployment; check the processed template (aws cloudformation get-template "
                             "--template-stage Processed)", logical_id, type_node.span, rtype)
                continue
            family = families.get(rtype)
            if family is None:
                continue
            self.guarded(logical_id, rtype, self._work(family, logical_id, resource))
        for step in self.after:
            step()
        c = self.ctx
        context = {"account": c.account, "region": c.region, "partition": c.partition,
                   "accountDefaulted": c.account_defaulted}
        return Extraction(self.source.name, CLOUDFORMATION, self.sites, list(self.principals.values()),
                          self.problems, context)

    def _work(self, family: Family, logical_id: str, resource: JObject) -> Callable[[], None]:
        return lambda: family(self, logical_id, Props(self.resolver, logical_id, resource))

    def guarded(self, logical_id: str, rtype: str, work: Callable[[], None]) -> None:
        try:
            work()
        except InvalidResource as exc:
            self.problem(INVALID, exc.message, logical_id, exc.span, rtype)
        except TemplateError as exc:
            self.problem(INVALID, exc.message, logical_id, exc.span, rtype)
        except Unresolved as exc:
            self.problem(UNRESOLVED, f"cannot resolve {exc.what}", logical_id, exc.span, rtype)
        except RecursionError:  # a chain of references deeper than the interpreter's stack
            self.problem(INVALID, "references nest too deeply to resolve", logical_id, None, rtype)


def extract_cloudformation(source: Source, ctx: Context, exclude: Iterable[str] = ()) -> Extraction:
    return Extractor(source, ctx, exclude).run()
