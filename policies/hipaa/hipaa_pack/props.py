"""Small helpers the check modules share: type-token groups and safe readers for engine properties.

Things every check author needs to know about `args.props` / `PolicyResource.props`:
  * keys are the engine's camelCase names (enableKeyRotation, applyServerSideEncryptionByDefault);
  * numbers arrive as floats (365.0), so compare with as_int();
  * some booleans are strings in pulumi-aws (LaunchTemplate ebs.encrypted is "true"): use as_bool();
  * mappings and lists are pulumi-policy proxies (collections.abc Mapping / Sequence, not dict /
    list), so test with the ABCs, as these helpers do;
  * reading a value that is unknown during preview raises pulumi_policy's UnknownValueError. These
    helpers let it propagate on purpose: the analyzer turns it into an advisory "can't run policy
    during preview" instead of a wrong verdict.
  * stack policies see resource OUTPUTS; joins between resources go through property_dependencies
    (known during preview), never through ids or ARNs (often unknown during preview).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import UnknownValueError

if TYPE_CHECKING:
    from .factory import StackArgs

# ------------------------------------------------------------------------------------ type tokens
# Sets, so a check can write `args.resource_type in BUCKET_TOKENS`. Each S3 side-by-side resource
# keeps its deprecated ...V2 alias; aws:alb/... is a separate token family for the same resources
# as aws:lb/..., and Pulumi policies match on the exact token.

BUCKET_TOKENS = frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"})
BUCKET_SSE_TOKENS = frozenset({
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
})
BUCKET_VERSIONING_TOKENS = frozenset({
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
})
BUCKET_LOGGING_TOKENS = frozenset({
    "aws:s3/bucketLogging:BucketLogging",
    "aws:s3/bucketLoggingV2:BucketLoggingV2",
})
BUCKET_OBJECT_LOCK_TOKENS = frozenset({
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
})
BUCKET_LIFECYCLE_TOKENS = frozenset({
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
})
BUCKET_ACL_TOKENS = frozenset({"aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"})
BUCKET_POLICY_TOKENS = frozenset({"aws:s3/bucketPolicy:BucketPolicy"})
BUCKET_PUBLIC_ACCESS_BLOCK_TOKENS = frozenset({"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"})
BUCKET_OWNERSHIP_TOKENS = frozenset({"aws:s3/bucketOwnershipControls:BucketOwnershipControls"})

LB_TOKENS = frozenset({"aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"})
LISTENER_TOKENS = frozenset({"aws:lb/listener:Listener", "aws:alb/listener:Listener"})
TARGET_GROUP_TOKENS = frozenset({"aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"})

KMS_KEY_TOKENS = frozenset({"aws:kms/key:Key"})
KMS_KEY_POLICY_TOKENS = frozenset({"aws:kms/keyPolicy:KeyPolicy"})
AWS_PROVIDER_TOKENS = frozenset({"pulumi:providers:aws"})

K8S_NAMESPACE_TOKENS = frozenset({"kubernetes:core/v1:Namespace"})
K8S_POD_TOKEN = "kubernetes:core/v1:Pod"
K8S_CRONJOB_TOKEN = "kubernetes:batch/v1:CronJob"
# Workloads whose pod spec sits at spec.template.spec.
K8S_TEMPLATE_WORKLOAD_TOKENS = frozenset({
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet",
    "kubernetes:batch/v1:Job",
})
K8S_WORKLOAD_TOKENS = K8S_TEMPLATE_WORKLOAD_TOKENS | {K8S_POD_TOKEN, K8S_CRONJOB_TOKEN}

# ------------------------------------------------------------------------------------ conventions
LOG_SINK_TAG = "quome:log-sink"
# The kinds of AWS log delivery a sink bucket can receive: the values quome:log-sink may take.
S3_ACCESS_LOG_SINK = "s3-access-logs"
ALB_ACCESS_LOG_SINK = "alb-access-logs"
LOG_SINK_KINDS = (S3_ACCESS_LOG_SINK, ALB_ACCESS_LOG_SINK)
TENANT_LABEL = "quome.io/tenant"
ORGANIZATION_LABEL = "quome.io/organization"
DEFAULT_SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")

_MISSING = object()


# ------------------------------------------------------------------------------------ readers


def dig(props: Any, path: str, default: Any = None) -> Any:
    """props["a"]["b"]["c"] for path "a.b.c", or `default` when any step is missing.

    A numeric segment indexes a list ("rules.0.bucketKeyEnabled"). Map keys containing dots cannot
    be expressed here; use labels()/tags() or index the mapping directly for those.
    """
    current: Any = props
    for segment in path.split("."):
        if isinstance(current, Mapping):
            current = current.get(segment, _MISSING)
        elif _is_list(current) and segment.isdigit():
            index = int(segment)
            current = current[index] if index < len(current) else _MISSING
        else:
            current = _MISSING
        if current is _MISSING or current is None:
            return default
    return current


def as_bool(value: Any) -> Optional[bool]:
    """True/False for real booleans and the strings "true"/"false" (any case); None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
    return None


def as_int(value: Any) -> Optional[int]:
    """An integer from an int, an integral float (365.0, how the engine sends numbers) or a digit string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value)
    return None


def as_list(value: Any) -> list[Any]:
    """[] for None, the items of a list, [value] for a scalar (IAM Action/Resource may be either)."""
    if value is None:
        return []
    if _is_list(value):
        return list(value)
    return [value]


def plain(value: Any) -> Any:
    """A deep copy made of dict/list: turns pulumi-policy proxies into ordinary Python values."""
    if isinstance(value, Mapping):
        return {key: plain(value[key]) for key in value}
    if _is_list(value):
        return [plain(item) for item in value]
    return value


def shown(value: Any) -> str:
    """How a found value is written in a violation message: unset, true/false, 365, 'text'."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return repr(value)
    return json.dumps(plain(value), sort_keys=True)


def tags(props: Any) -> Mapping[str, str]:
    """The resource's own `tags`. Not `tagsAll`: provider default tags only show up there, and a
    control must not pass because of a tag the component never set."""
    value = props.get("tags") if isinstance(props, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def log_sink_kind(props: Any) -> Optional[str]:
    """The value of the quome:log-sink tag (e.g. "alb-access-logs"), or None when untagged."""
    return tags(props).get(LOG_SINK_TAG)


AWS_MANAGED_ALIAS_RE = re.compile(r"(^|:)alias/aws/")


def is_aws_managed_alias(key_reference: Any) -> bool:
    """True for AWS-managed key aliases (alias/aws/s3, arn:...:alias/aws/ebs), which no key policy of
    ours governs; a customer-managed key id, ARN or alias returns False."""
    return isinstance(key_reference, str) and bool(AWS_MANAGED_ALIAS_RE.search(key_reference))


CUSTOMER_MANAGED_KEY_REQUIRED = "required a customer-managed KMS key"


def customer_managed_key_problem(where: str, setting: str, key_reference: Any, when_unset: str = "") -> Optional[str]:
    """The violation message when a resource's key setting does not name a customer-managed key, or
    None when it does (as far as the reference shows).

    Unset: "<where>: <setting> is unset<when_unset>; required a customer-managed KMS key", where
    when_unset says what the service does then (", which means the AWS-managed aws/rds key").
    An AWS-managed alias: "<where>: <setting> is 'alias/aws/rds' (AWS-managed); required ...".
    """
    if not key_reference:
        return f"{where}: {setting} is unset{when_unset}; {CUSTOMER_MANAGED_KEY_REQUIRED}"
    if is_aws_managed_alias(key_reference):
        return f"{where}: {setting} is {shown(key_reference)} (AWS-managed); {CUSTOMER_MANAGED_KEY_REQUIRED}"
    return None


# ------------------------------------------------------------------------------------ IAM / policy JSON


class PolicyDocumentError(ValueError):
    """A policy property holds a string that is not a JSON object."""


def parse_policy_document(value: Any) -> Optional[dict[str, Any]]:
    """An IAM / KMS / bucket policy as a dict, whether it arrived as a JSON string or an object.

    None when the property is unset or empty; PolicyDocumentError when it is not a JSON object, so
    the check can report it instead of guessing.
    """
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = json.loads(value)
        except json.JSONDecodeError as e:
            raise PolicyDocumentError(
                f"policy is not valid JSON ({e.msg} at line {e.lineno} column {e.colno})"
            ) from None
    if not isinstance(value, Mapping):
        raise PolicyDocumentError(f"policy is a JSON {type(value).__name__}, not an object")
    return plain(value)


def statements(document: Optional[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The Statement entries of a policy document; a single statement object becomes a one-item list."""
    if not document:
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def statement_label(index: int, statement: Mapping[str, Any]) -> str:
    """How messages name the index-th statement of statements(): "statement 2 ('DenyInsecureTransport')",
    or "statement 2" when it has no Sid."""
    sid = statement.get("Sid")
    return f"statement {index} ({sid!r})" if sid else f"statement {index}"


def iam_match(pattern: Any, value: str) -> bool:
    """IAM wildcard matching as for actions: case-insensitive, `*` any run of characters, `?` one
    character. A pattern that is not a string matches nothing."""
    if not isinstance(pattern, str):
        return False
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.IGNORECASE) is not None


def allows_action(statement: Mapping[str, Any], action: str) -> bool:
    """The statement's actions cover `action`: some Action pattern matches it, or, with NotAction,
    no NotAction pattern does. Says nothing about Effect, principals or resources."""
    if "NotAction" in statement:
        return not any(iam_match(pattern, action) for pattern in as_list(statement.get("NotAction")))
    return any(iam_match(pattern, action) for pattern in as_list(statement.get("Action")))


# ------------------------------------------------------------------------------------ stack joins


def region_input(resource: PolicyResource) -> Any:
    """The region a resource is created in, as given: its own `region` input when set, else its provider's
    `region` (None when neither is). Raises UnknownValueError when the value deciding it is unknown."""
    own = resource.props.get("region")
    if own:
        return own
    provider = resource.provider
    return provider.props.get("region") if provider is not None and provider.props is not None else None


def resources_of(args: StackValidationArgs, tokens: Iterable[str] | str) -> list[PolicyResource]:
    """The stack's resources whose type is one of `tokens` (a token or a collection of tokens)."""
    wanted = {tokens} if isinstance(tokens, str) else set(tokens)
    return [r for r in args.resources if r.resource_type in wanted]


def joined(resource: PolicyResource, prop: str) -> list[str]:
    """URNs of the resources the input `prop` of `resource` was built from.

    E.g. for BucketServerSideEncryptionConfiguration(bucket=bucket.id), joined(sse, "bucket") is
    [bucket.urn]. A literal value (a bucket name typed as a string) creates no dependency, so it
    joins nothing: components must pass the other resource's output.
    """
    return [dependency.urn for dependency in resource.property_dependencies.get(prop, [])]


def by_joined_urn(resources: Iterable[PolicyResource], prop: str) -> dict[str, list[PolicyResource]]:
    """Reverse index of joined(): target URN -> the resources whose `prop` points at it.

    by_joined_urn(resources_of(args, BUCKET_SSE_TOKENS), "bucket").get(bucket.urn, []) is the list
    of SSE configurations of one bucket.
    """
    index: dict[str, list[PolicyResource]] = {}
    for resource in resources:
        for urn in joined(resource, prop):
            index.setdefault(urn, []).append(resource)
    return index


@dataclass(frozen=True)
class LogSinks:
    """The stack's buckets tagged quome:log-sink, sorted by log_sinks() into real sinks and refused tags."""

    kinds: Mapping[str, str]
    """URN -> sink kind, for each bucket that really is a log sink of the stack."""
    refusals: Mapping[str, str]
    """URN -> the violation message, for each tagged bucket that is not (unknown kind, no delivery)."""

    def kind(self, bucket: PolicyResource) -> Optional[str]:
        """The sink kind of a real log sink; None for every other bucket, tagged or not."""
        return self.kinds.get(bucket.urn)

    def refusal(self, bucket: PolicyResource) -> Optional[str]:
        """Why the bucket's quome:log-sink tag earns no log-sink treatment, or None."""
        return self.refusals.get(bucket.urn)


# A bucket tagged quome:purpose "audit" holds audit logs (aud-audit-bucket-object-lock's audit_buckets()),
# which must be WORM, encrypted with our key and access-logged, so no quome:log-sink tag takes it out of
# those controls.
PURPOSE_TAG = "quome:purpose"
AUDIT_PURPOSE = "audit"
TRAIL_TOKEN = "aws:cloudtrail/trail:Trail"
_UNKNOWN = object()
# Sink kind -> (the sender's input that joins it to the sink, the path of the delivered-to bucket name).
_DELIVERY_INPUTS = {S3_ACCESS_LOG_SINK: ("targetBucket", "targetBucket"),
                    ALB_ACCESS_LOG_SINK: ("accessLogs", "accessLogs.bucket")}


def log_sinks(args: StackValidationArgs) -> LogSinks:
    """Which of the stack's tagged buckets are log sinks: those whose quome:log-sink tag is a known kind,
    that are not audit buckets (tagged quome:purpose "audit", or a CloudTrail trail's destination), AND
    that receive that kind of delivery in this stack:

      * s3-access-logs: a BucketLogging of another bucket whose targetBucket names it;
      * alb-access-logs: a load balancer with accessLogs.enabled true whose accessLogs.bucket names it.

    "Names it" means joined to it through property dependencies (property dependencies are per top-level
    input, so the ALB join is on accessLogs) AND equal to its `bucket` name. A dependency alone proves
    nothing: targetBucket=Output.all(sink.id, phi.id).apply(...) depends on both buckets but delivers
    to one. While the value or the name is unknown (preview), the input must depend on this bucket and
    no other bucket.

    Every other tagged bucket gets a refusal that names the tag value found and what is required.
    """
    bucket_urns = {bucket.urn for bucket in resources_of(args, BUCKET_TOKENS)}
    trails_by_destination = by_joined_urn(resources_of(args, TRAIL_TOKEN), "s3BucketName")
    deliveries: dict[str, dict[str, list[PolicyResource]]] = {}

    def delivered_to(kind: str) -> dict[str, list[PolicyResource]]:
        # Built on first need, so a stack without such a sink never reads load balancers' settings
        # (one of them unknown during preview would stop every bucket check).
        if kind not in deliveries:
            if kind == S3_ACCESS_LOG_SINK:
                senders = resources_of(args, BUCKET_LOGGING_TOKENS)
            else:
                senders = [lb for lb in resources_of(args, LB_TOKENS)
                           if as_bool(dig(lb.props, "accessLogs.enabled")) is True]
            deliveries[kind] = by_joined_urn(senders, _DELIVERY_INPUTS[kind][0])
        return deliveries[kind]

    kinds: dict[str, str] = {}
    refusals: dict[str, str] = {}
    for bucket in resources_of(args, BUCKET_TOKENS):
        if LOG_SINK_TAG not in tags(bucket.props):
            continue
        kind = log_sink_kind(bucket.props)
        where = f"bucket '{bucket.name}': tag {LOG_SINK_TAG} is {shown(kind)}"
        trails = trails_by_destination.get(bucket.urn, [])
        if trails:
            names = ", ".join(f"'{trail.name}'" for trail in trails)
            refusals[bucket.urn] = (f"{where}, but trail {names} writes to it; a trail's bucket is never "
                                    f"treated as a log sink (its logs must be WORM and encrypted with a "
                                    f"customer-managed key); required no {LOG_SINK_TAG} tag on it")
            continue
        if tags(bucket.props).get(PURPOSE_TAG) == AUDIT_PURPOSE:
            refusals[bucket.urn] = (f"{where}, but tag {PURPOSE_TAG} is {AUDIT_PURPOSE!r}; an audit bucket is "
                                    f"never treated as a log sink (its logs must be WORM and encrypted with a "
                                    f"customer-managed key); required no {LOG_SINK_TAG} tag on it")
            continue
        if kind not in LOG_SINK_KINDS:
            known = " or ".join(repr(k) for k in LOG_SINK_KINDS)
            refusals[bucket.urn] = f"{where}, not a known sink kind; required {known} to be treated as a log sink"
            continue
        prop, value_path = _DELIVERY_INPUTS[kind]
        senders = [sender for sender in delivered_to(kind).get(bucket.urn, [])
                   if bucket.urn not in joined(sender, "bucket")
                   and _names_bucket(sender, prop, value_path, bucket, bucket_urns)]
        if senders:
            kinds[bucket.urn] = kind
        elif kind == S3_ACCESS_LOG_SINK:
            refusals[bucket.urn] = (f"{where}, but no BucketLogging of another bucket in this stack delivers to it; "
                                    f"required one whose targetBucket is joined to it and equals its bucket name "
                                    f"(target_bucket=<sink>.id; while unknown, joined to no other bucket) to be "
                                    f"treated as a log sink")
        else:
            refusals[bucket.urn] = (f"{where}, but no load balancer in this stack delivers to it; required one with "
                                    f"accessLogs.enabled true and accessLogs.bucket joined to it and equal to its "
                                    f"bucket name (bucket=<sink>.bucket; while unknown, joined to no other bucket) "
                                    f"to be treated as a log sink")
    return LogSinks(kinds, refusals)


def _names_bucket(sender: PolicyResource, prop: str, value_path: str, bucket: PolicyResource,
                  bucket_urns: set[str]) -> bool:
    """Whether the sender's delivered-to value (value_path, inside input `prop`) is `bucket`: equal to its
    `bucket` name (S3 takes the name, and a bucket's id is its name), or, while either is unknown, `prop`
    built from this bucket and no other."""
    target, name = _read(sender.props, value_path), _read(bucket.props, "bucket")
    if target is _UNKNOWN or name is _UNKNOWN:
        return {urn for urn in joined(sender, prop) if urn in bucket_urns} == {bucket.urn}
    return isinstance(target, str) and target == name


def read_known(readers: Iterable[Callable[[], Any]]) -> tuple[list[Any], Optional[UnknownValueError]]:
    """What each reader returns, skipping those whose value is unknown during preview, and the first
    unknown one's error (None when every value was known)."""
    known: list[Any] = []
    unknown: Optional[UnknownValueError] = None
    for read in readers:
        try:
            known.append(read())
        except UnknownValueError as error:
            unknown = unknown or error
    return known, unknown


def _read(props: Any, path: str) -> Any:
    """dig(props, path), or _UNKNOWN when the value is unknown during preview."""
    try:
        return dig(props, path)
    except UnknownValueError:
        return _UNKNOWN


def sole_companion(owner: PolicyResource, companions: Sequence[PolicyResource], where: str, kind: str,
                   required: str, report_violation: ReportViolation) -> Optional[PolicyResource]:
    """The one `kind` resource joined to `owner` (from by_joined_urn), or None after reporting on the
    owner that it has none ("<where> has no <kind>; <required>") or several.

    Settings such as a bucket's policy or versioning are one separate resource per owner: two of
    them overwrite each other on every update, so more than one is a violation too.
    """
    if not companions:
        report_violation(f"{where} has no {kind}; {required}", owner.urn)
        return None
    if len(companions) > 1:
        names = ", ".join(f"'{c.name}'" for c in companions)
        report_violation(f"{where} has {len(companions)} {kind} resources ({names}); required exactly one", owner.urn)
        return None
    return companions[0]


# ------------------------------------------------------------------------------------ account baseline
# GuardDuty, Security Hub, the AWS Config recorder, EBS default encryption and the account's public
# access block exist once per account and region, so exactly one stack declares them: the one whose
# policy config leaves ownsAccountBaseline true.

OWNS_ACCOUNT_BASELINE_KEY = "ownsAccountBaseline"


def owns_account_baseline_schema(description: str) -> PolicyConfigSchema:
    """The config schema of a check with the one setting ownsAccountBaseline (default true)."""
    return PolicyConfigSchema(properties={
        OWNS_ACCOUNT_BASELINE_KEY: {"type": "boolean", "default": True, "description": description},
    })


def owns_account_baseline(args: StackValidationArgs) -> bool:
    """Whether the policy config says this stack owns the account baseline."""
    return bool(args.get_config()[OWNS_ACCOUNT_BASELINE_KEY])


def skip_unless_owns_account_baseline(args: StackValidationArgs, why: str) -> None:
    """Mark the whole policy not applicable ("ownsAccountBaseline is false: <why>") when the stack does
    not own the account baseline; returns normally otherwise."""
    if not owns_account_baseline(args):
        args.not_applicable(f"ownsAccountBaseline is false: {why}")


# ------------------------------------------------------------------------------------ Kubernetes


def labels(props: Any) -> Mapping[str, str]:
    """metadata.labels of a Kubernetes object ({} when unset)."""
    value = dig(props, "metadata.labels")
    return value if isinstance(value, Mapping) else {}


def k8s_name(props: Any, fallback: str) -> str:
    """metadata.name, or the Pulumi resource name when the object is auto-named."""
    name = dig(props, "metadata.name")
    return name if isinstance(name, str) and name else fallback


def k8s_namespace(props: Any) -> str:
    """metadata.namespace; Kubernetes puts objects without one into "default"."""
    namespace = dig(props, "metadata.namespace")
    return namespace if isinstance(namespace, str) and namespace else "default"


def is_tenant_namespace(props: Any) -> bool:
    """An organization's Namespace: labelled quome.io/tenant "true", or carrying a quome.io/organization
    label (any value); the others are system namespaces.

    Either label brings a namespace under the cluster's tenant admission policy (its bindings in
    components/cluster_k8s.py select quome.io/tenant "true" and quome.io/organization Exists), so the
    pack holds both: dropping one label must not take a namespace out of the tenant controls.
    """
    found = labels(props)
    return found.get(TENANT_LABEL) == "true" or ORGANIZATION_LABEL in found


def not_a_tenant(namespace: str) -> str:
    """The not-applicable reason for a Namespace that is_tenant_namespace() turns down."""
    return (f"namespace '{namespace}' is a system namespace (neither {TENANT_LABEL}: \"true\" "
            f"nor a {ORGANIZATION_LABEL} label)")


def tenant_namespaces(args: StackArgs) -> dict[str, PolicyResource]:
    """metadata.name -> Namespace for the stack's tenant namespaces; every other Namespace is marked
    not applicable (args.not_applicable_to of the pack's StackArgs)."""
    tenants: dict[str, PolicyResource] = {}
    for namespace in resources_of(args, K8S_NAMESPACE_TOKENS):
        name = k8s_name(namespace.props, namespace.name)
        if is_tenant_namespace(namespace.props):
            tenants[name] = namespace
        else:
            args.not_applicable_to(namespace, not_a_tenant(name))
    return tenants


def by_tenant_namespace(args: StackArgs, tokens: Iterable[str] | str,
                        tenants: Mapping[str, PolicyResource]) -> dict[str, list[PolicyResource]]:
    """metadata.namespace -> the stack's objects of `tokens` in it. Objects outside `tenants` (from
    tenant_namespaces) are marked not applicable.

    Namespaced objects join their Namespace by name, not by property dependency: the platform's
    components write namespace names as plain data, so they are known during preview."""
    index: dict[str, list[PolicyResource]] = {}
    for resource in resources_of(args, tokens):
        namespace = k8s_namespace(resource.props)
        index.setdefault(namespace, []).append(resource)
        if namespace not in tenants:
            args.not_applicable_to(resource, f"namespace '{namespace}' is not a tenant namespace of this stack")
    return index


def pod_spec(resource_type: str, props: Any) -> Optional[Mapping[str, Any]]:
    """The pod spec of a workload (the catalog's `podSpec`), or None for other types / when absent.

    Pod: spec; Deployment, StatefulSet, DaemonSet, ReplicaSet, Job: spec.template.spec;
    CronJob: spec.jobTemplate.spec.template.spec.
    """
    if resource_type == K8S_POD_TOKEN:
        spec = dig(props, "spec")
    elif resource_type in K8S_TEMPLATE_WORKLOAD_TOKENS:
        spec = dig(props, "spec.template.spec")
    elif resource_type == K8S_CRONJOB_TOKEN:
        spec = dig(props, "spec.jobTemplate.spec.template.spec")
    else:
        return None
    return spec if isinstance(spec, Mapping) else None


def containers(spec: Optional[Mapping[str, Any]], include_init: bool = True) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(kind, container) for containers, then initContainers and ephemeralContainers; kind is the
    list's key, so messages can say "initContainers[0] 'migrate'"."""
    if not spec:
        return
    kinds = ("containers", "initContainers", "ephemeralContainers") if include_init else ("containers",)
    for kind in kinds:
        for container in as_list(spec.get(kind)):
            if isinstance(container, Mapping):
                yield kind, container


# The policy-config setting every Kubernetes workload check reads (see system_namespaces_schema()).
SYSTEM_NAMESPACES_KEY = "systemNamespaces"
_CONTAINER_LABELS = {"containers": "container", "initContainers": "init container",
                     "ephemeralContainers": "ephemeral container"}


def system_namespaces_schema() -> dict[str, Any]:
    """The JSON schema of the `systemNamespaces` setting (a new dict per call, so no check can change
    another's default): namespaces of platform agents that Kubernetes checks do not apply to."""
    return {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "uniqueItems": True,
        "default": list(DEFAULT_SYSTEM_NAMESPACES),
        "description": "Namespaces whose objects this policy does not apply to (platform agents).",
    }


def skip_system_namespace(args: ResourceValidationArgs) -> None:
    """Mark the policy not applicable when the object's metadata.namespace (default: "default") is
    listed in the policy config systemNamespaces; returns normally otherwise."""
    namespace = k8s_namespace(args.props)
    if namespace in args.get_config()[SYSTEM_NAMESPACES_KEY]:
        args.not_applicable(f"namespace '{namespace}' is listed in systemNamespaces")


def workload_ref(resource_type: str, props: Any, fallback: str) -> str:
    """How messages name a Kubernetes object: its kind and namespace/name, e.g. "Deployment 'org-acme/api'"."""
    return f"{resource_type.rsplit(':', 1)[-1]} '{k8s_namespace(props)}/{k8s_name(props, fallback)}'"


def container_ref(kind: str, container: Mapping[str, Any]) -> str:
    """How messages name one container of containers(): "container 'app'", "init container 'migrate'"."""
    label = _CONTAINER_LABELS.get(kind, kind)
    name = container.get("name")
    return f"{label} '{name}'" if isinstance(name, str) and name else f"unnamed {label}"


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))
