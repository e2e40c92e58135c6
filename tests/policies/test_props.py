"""The shared property helpers, exercised on values shaped the way the analyzer delivers them."""
import json

import pytest
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from hipaa_pack import props
from tests.policies.fakes import FakeResource, engine_props, resource_args, stack_args, urn_for

BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


def test_dig_walks_mappings_and_list_indexes_of_engine_props():
    p = engine_props({"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]})
    assert props.dig(p, "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm") == "aws:kms"
    assert props.dig(p, "rules.1.applyServerSideEncryptionByDefault") is None
    assert props.dig(p, "rules.x") is None
    assert props.dig(p, "missing.deeper", default="n/a") == "n/a"
    assert props.dig(engine_props({"a": None}), "a.b", default=0) == 0


def test_dig_lets_unknown_values_raise_so_the_analyzer_defers_the_check():
    with pytest.raises(UnknownValueError):
        props.dig(engine_props({"kmsKeyId": UNKNOWN_STRING_VALUE}), "kmsKeyId")


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), ("true", True), ("False", False), (" TRUE ", True),
    ("yes", None), (None, None), (1, None)])
def test_as_bool_reads_real_and_string_booleans(value, expected):
    assert props.as_bool(value) is expected


@pytest.mark.parametrize("value, expected", [
    (365, 365), (365.0, 365), ("30", 30), (365.5, None), (True, None), ("3e2", None), (None, None)])
def test_as_int_accepts_the_floats_the_engine_sends(value, expected):
    assert props.as_int(value) == expected


def test_as_list_normalizes_iam_style_scalars():
    assert props.as_list(None) == []
    assert props.as_list("s3:GetObject") == ["s3:GetObject"]
    assert props.as_list(engine_props({"a": ["x", "y"]})["a"]) == ["x", "y"]


def test_numbers_arrive_as_floats_and_shown_writes_them_as_integers():
    value = engine_props({"days": 365})["days"]
    assert value == 365.0 and isinstance(value, float)
    assert props.shown(value) == "365"
    assert [props.shown(v) for v in (None, True, "aws:kms", 2.5)] == ["unset", "true", "'aws:kms'", "2.5"]
    assert props.shown(engine_props({"m": {"b": 1, "a": [True]}})["m"]) == '{"a": [true], "b": 1.0}'


def test_plain_turns_proxies_into_dicts_and_lists():
    p = engine_props({"Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt"]}]})
    assert not isinstance(p, dict)
    assert props.plain(p) == {"Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt"]}]}
    assert type(props.plain(p)["Statement"]) is list


def test_tags_read_tags_never_tags_all():
    p = engine_props({"tags": {"quome:log-sink": "s3-access-logs"}, "tagsAll": {"quome:purpose": "audit"}})
    assert dict(props.tags(p)) == {"quome:log-sink": "s3-access-logs"}
    assert props.log_sink_kind(p) == "s3-access-logs" and props.log_sink_kind(p) in props.LOG_SINK_KINDS
    defaults_only = engine_props({"tagsAll": {"quome:log-sink": "s3-access-logs"}})
    assert props.log_sink_kind(defaults_only) is None


@pytest.mark.parametrize("value, sink", [
    ("s3-access-logs", True), ("alb-access-logs", True), ("audit", False), ("", False), ("S3-ACCESS-LOGS", False),
])
def test_a_known_sink_kind_is_needed(value, sink):
    # log_sinks() refuses any tag value outside LOG_SINK_KINDS; the match is exact.
    assert (props.log_sink_kind(engine_props({"tags": {"quome:log-sink": value}})) in props.LOG_SINK_KINDS) is sink


LOGGING, LOGGING_V2 = "aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"
LB, ALB = "aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"


def _sink_stack(*extra, kind="s3-access-logs", sink_tags=None, sink_name="quome-sink", phi_tags=None):
    tags = {"quome:log-sink": kind, **(sink_tags or {})}
    return stack_args([FakeResource(BUCKET, "sink", {"bucket": sink_name, "tags": tags}),
                       FakeResource(BUCKET, "phi", {"bucket": "quome-phi", "tags": phi_tags or {}}), *extra])


def _verdict(args, name):
    sinks = props.log_sinks(args)
    bucket = next(r for r in args.resources if r.name == name)
    return sinks.kind(bucket), sinks.refusal(bucket)


def _sink_verdict(args):
    return _verdict(args, "sink")


def _not_delivered(kind, bucket="sink"):
    if kind == "s3-access-logs":
        return (f"bucket '{bucket}': tag quome:log-sink is 's3-access-logs', but no BucketLogging of another bucket "
                f"in this stack delivers to it; required one whose targetBucket is joined to it and equals its "
                f"bucket name (target_bucket=<sink>.id; while unknown, joined to no other bucket) to be treated "
                f"as a log sink")
    return (f"bucket '{bucket}': tag quome:log-sink is 'alb-access-logs', but no load balancer in this stack "
            f"delivers to it; required one with accessLogs.enabled true and accessLogs.bucket joined to it and "
            f"equal to its bucket name (bucket=<sink>.bucket; while unknown, joined to no other bucket) to be "
            f"treated as a log sink")


S3_NOT_DELIVERED = _not_delivered("s3-access-logs")
ALB_NOT_DELIVERED = _not_delivered("alb-access-logs")


def _phi_logging(target="quome-sink", joined_to="sink", token=LOGGING):
    return FakeResource(token, "phi-logging", {"targetBucket": target},
                        property_dependencies={"bucket": "phi", "targetBucket": joined_to})


def _edge(bucket="quome-sink", joined_to="sink", enabled=True, token=LB):
    return FakeResource(token, "edge", {"accessLogs": {"enabled": enabled, "bucket": bucket, "prefix": "alb"}},
                        property_dependencies={"accessLogs": joined_to} if joined_to else {})


@pytest.mark.parametrize("token", [LOGGING, LOGGING_V2])
def test_log_sinks_an_access_log_sink_needs_another_buckets_logging_joined_to_it(token):
    assert _sink_verdict(_sink_stack(_phi_logging(token=token))) == ("s3-access-logs", None)
    literal = FakeResource(token, "phi-logging", {"targetBucket": "quome-sink"},
                           property_dependencies={"bucket": "phi"})
    assert _sink_verdict(_sink_stack(literal)) == (None, S3_NOT_DELIVERED)
    itself = FakeResource(token, "sink-logging", {"targetBucket": "quome-sink"},
                          property_dependencies={"bucket": "sink", "targetBucket": "sink"})
    assert _sink_verdict(_sink_stack(itself)) == (None, S3_NOT_DELIVERED)


def test_log_sinks_an_access_log_delivery_must_name_the_bucket_not_only_depend_on_it():
    # targetBucket=Output.all(sink.id, phi.id).apply(lambda ids: ids[0]): joined to both, delivers to the sink.
    both = _phi_logging(joined_to=["sink", "phi"])
    args = _sink_stack(both, phi_tags={"quome:log-sink": "s3-access-logs"})
    assert _verdict(args, "phi") == (None, _not_delivered("s3-access-logs", "phi"))
    assert _sink_verdict(args) == ("s3-access-logs", None)
    assert _sink_verdict(_sink_stack(_phi_logging(target="quome-other"))) == (None, S3_NOT_DELIVERED)


@pytest.mark.parametrize("token", [LB, ALB])
def test_log_sinks_an_alb_sink_needs_a_logging_load_balancer_joined_to_it(token):
    assert _sink_verdict(_sink_stack(_edge(enabled="true", token=token), kind="alb-access-logs")) == (
        "alb-access-logs", None)
    assert _sink_verdict(_sink_stack(_edge(enabled=False, token=token), kind="alb-access-logs")) == (
        None, ALB_NOT_DELIVERED)
    assert _sink_verdict(_sink_stack(_edge(joined_to=None, token=token), kind="alb-access-logs")) == (
        None, ALB_NOT_DELIVERED)
    # Each kind needs its own delivery: S3 access logs do not make an ALB sink, nor the reverse.
    assert _sink_verdict(_sink_stack(_phi_logging(), kind="alb-access-logs")) == (None, ALB_NOT_DELIVERED)
    assert _sink_verdict(_sink_stack(_edge(token=token))) == (None, S3_NOT_DELIVERED)


def test_log_sinks_an_alb_delivery_must_name_the_bucket_not_only_depend_on_it():
    # accessLogs={bucket: sink.bucket, prefix: phi.bucket}: the input depends on both, logs go to the sink.
    args = _sink_stack(_edge(joined_to=["sink", "phi"]), kind="alb-access-logs",
                       phi_tags={"quome:log-sink": "alb-access-logs"})
    assert _verdict(args, "phi") == (None, _not_delivered("alb-access-logs", "phi"))
    assert _sink_verdict(args) == ("alb-access-logs", None)


@pytest.mark.parametrize("unknown", ["target", "name"])
def test_log_sinks_while_unknown_the_delivery_must_be_built_from_this_bucket_alone(unknown):
    target = UNKNOWN_STRING_VALUE if unknown == "target" else "quome-sink"
    name = UNKNOWN_STRING_VALUE if unknown == "name" else "quome-sink"
    alone = _sink_stack(_phi_logging(target=target), sink_name=name)
    assert _sink_verdict(alone) == ("s3-access-logs", None)
    with_phi = _sink_stack(_phi_logging(target=target, joined_to=["sink", "phi"]), sink_name=name)
    assert _sink_verdict(with_phi) == (None, S3_NOT_DELIVERED)
    # Other dependencies than buckets (a prefix from a random name, say) do not matter.
    alb = _sink_stack(_edge(bucket=target, joined_to=["sink", "phi-logging"]), _phi_logging(),
                      kind="alb-access-logs", sink_name=name)
    assert _sink_verdict(alb) == ("alb-access-logs", None)


def test_log_sinks_never_treats_an_audit_bucket_as_a_sink():
    args = _sink_stack(_phi_logging(), sink_tags={"quome:purpose": "audit"})
    assert _sink_verdict(args) == (None, "bucket 'sink': tag quome:log-sink is 's3-access-logs', but tag "
                                         "quome:purpose is 'audit'; an audit bucket is never treated as a log sink "
                                         "(its logs must be WORM and encrypted with a customer-managed key); "
                                         "required no quome:log-sink tag on it")
    # Another purpose, like the platform's own sink (quome:purpose s3-access-logs), changes nothing.
    other = _sink_stack(_phi_logging(), sink_tags={"quome:purpose": "s3-access-logs"})
    assert _sink_verdict(other) == ("s3-access-logs", None)


def test_log_sinks_never_treats_a_trails_destination_as_a_sink():
    trail = FakeResource("aws:cloudtrail/trail:Trail", "trail", {"s3BucketName": "quome-sink"},
                         property_dependencies={"s3BucketName": "sink"})
    assert _sink_verdict(_sink_stack(_phi_logging(), trail)) == (
        None, "bucket 'sink': tag quome:log-sink is 's3-access-logs', but trail 'trail' writes to it; a "
              "trail's bucket is never treated as a log sink (its logs must be WORM and encrypted with a "
              "customer-managed key); required no quome:log-sink tag on it")


def test_log_sinks_refuses_an_unknown_kind_and_ignores_untagged_buckets():
    args = _sink_stack(_phi_logging(), kind="audit")
    assert _sink_verdict(args) == (None, "bucket 'sink': tag quome:log-sink is 'audit', not a known sink kind; "
                                         "required 's3-access-logs' or 'alb-access-logs' to be treated as a log sink")
    sinks = props.log_sinks(args)
    assert dict(sinks.kinds) == {} and list(sinks.refusals) == [urn_for(BUCKET, "sink")]
    phi = next(r for r in args.resources if r.name == "phi")
    assert (sinks.kind(phi), sinks.refusal(phi)) == (None, None)


def test_log_sinks_reads_no_load_balancer_when_no_bucket_claims_alb_logs():
    # An accessLogs unknown during preview must not stop the bucket checks of a stack without an ALB sink.
    unknown = FakeResource(LB, "edge", {"accessLogs": {"enabled": UNKNOWN_STRING_VALUE}})
    assert _sink_verdict(_sink_stack(_phi_logging(), unknown)) == ("s3-access-logs", None)


@pytest.mark.parametrize("reference, managed", [
    ("alias/aws/s3", True),
    ("arn:aws:kms:eu-central-1:111122223333:alias/aws/ebs", True),
    ("alias/quome-audit", False),
    ("arn:aws:kms:eu-central-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", False),
    ("arn:aws:kms:eu-central-1:111122223333:alias/awsome", False),
    (None, False)])
def test_is_aws_managed_alias(reference, managed):
    assert props.is_aws_managed_alias(reference) is managed


def test_customer_managed_key_problem_reports_unset_keys_and_aws_managed_aliases():
    where = "RDS instance 'db'"
    assert props.customer_managed_key_problem(where, "kmsKeyId", "arn:aws:kms:eu-central-1:111122223333:key/k") is None
    assert props.customer_managed_key_problem(where, "kmsKeyId", "alias/quome-db") is None
    assert props.customer_managed_key_problem(where, "kmsKeyId", None, ", which means the AWS-managed aws/rds key") == (
        "RDS instance 'db': kmsKeyId is unset, which means the AWS-managed aws/rds key; "
        "required a customer-managed KMS key")
    assert props.customer_managed_key_problem(where, "kmsKeyId", "") == (
        "RDS instance 'db': kmsKeyId is unset; required a customer-managed KMS key")
    assert props.customer_managed_key_problem(where, "kmsKeyId", "alias/aws/rds", ", ignored when set") == (
        "RDS instance 'db': kmsKeyId is 'alias/aws/rds' (AWS-managed); required a customer-managed KMS key")


def test_parse_policy_document_accepts_json_strings_and_objects():
    document = {"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "s3:*"}}
    assert props.parse_policy_document(json.dumps(document)) == document
    assert props.parse_policy_document(engine_props({"p": document})["p"]) == document
    assert props.parse_policy_document(None) is None
    assert props.parse_policy_document("  ") is None


@pytest.mark.parametrize("value, message", [
    ('{"Statement": [', r"policy is not valid JSON \(Expecting value at line 1 column 16\)"),
    ("[1, 2]", "policy is a JSON list, not an object"),
])
def test_parse_policy_document_rejects_what_is_not_a_json_object(value, message):
    with pytest.raises(props.PolicyDocumentError, match=message):
        props.parse_policy_document(value)


def test_statements_accepts_a_single_statement_object_or_a_list():
    single = {"Statement": {"Effect": "Deny", "Action": "s3:*"}}
    assert props.statements(single) == [{"Effect": "Deny", "Action": "s3:*"}]
    assert props.statements({"Statement": [{"Effect": "Allow"}, "junk"]}) == [{"Effect": "Allow"}]
    assert props.statements(None) == []


def test_statement_label_names_a_statement_by_index_and_sid():
    assert props.statement_label(2, {"Sid": "DenyInsecureTransport"}) == "statement 2 ('DenyInsecureTransport')"
    assert props.statement_label(0, {"Sid": ""}) == "statement 0"
    assert props.statement_label(1, {}) == "statement 1"


@pytest.mark.parametrize("pattern, value, matches", [
    ("kms:Decrypt", "kms:Decrypt", True),
    ("KMS:decrypt", "kms:Decrypt", True),
    ("kms:De*", "kms:Decrypt", True),
    ("kms:?ecrypt", "kms:Decrypt", True),
    ("*", "kms:ReEncryptFrom", True),
    ("kms:Decrypt*", "kms:Encrypt", False),
    ("kms:.*", "kms:Decrypt", False),  # regex characters are literal
    (["kms:Decrypt"], "kms:Decrypt", False),
    (None, "kms:Decrypt", False)])
def test_iam_match_is_iam_wildcard_matching_without_case(pattern, value, matches):
    assert props.iam_match(pattern, value) is matches


def test_allows_action_reads_action_or_leaves_out_notaction():
    assert props.allows_action({"Action": ["kms:Encrypt", "kms:De*"]}, "kms:Decrypt")
    assert props.allows_action({"Action": "kms:*"}, "kms:ReEncryptTo")
    assert not props.allows_action({"Action": "kms:Encrypt"}, "kms:Decrypt")
    assert not props.allows_action({}, "kms:Decrypt")
    assert props.allows_action({"NotAction": "kms:Encrypt"}, "kms:Decrypt")
    assert not props.allows_action({"NotAction": ["kms:*"], "Action": "*"}, "kms:Decrypt")


def test_joins_follow_property_dependencies():
    args = stack_args([
        FakeResource(BUCKET, "audit"),
        FakeResource(BUCKET, "logs"),
        FakeResource(SSE, "audit-sse", property_dependencies={"bucket": "audit"}),
        FakeResource(SSE, "stray-sse"),
    ])
    audit, logs, audit_sse, stray = args.resources
    assert props.resources_of(args, props.BUCKET_TOKENS) == [audit, logs]
    assert props.resources_of(args, SSE) == [audit_sse, stray]
    assert props.joined(audit_sse, "bucket") == [audit.urn]
    assert props.joined(stray, "bucket") == []
    index = props.by_joined_urn(props.resources_of(args, props.BUCKET_SSE_TOKENS), "bucket")
    assert index == {audit.urn: [audit_sse]}
    assert audit_sse.dependencies == [audit]


def test_sole_companion_returns_the_one_joined_resource_or_reports_none_or_several():
    args = stack_args([
        FakeResource(BUCKET, "none"),
        FakeResource(BUCKET, "one"),
        FakeResource(BUCKET, "two"),
        FakeResource(SSE, "one-sse", property_dependencies={"bucket": "one"}),
        FakeResource(SSE, "two-sse-a", property_dependencies={"bucket": "two"}),
        FakeResource(SSE, "two-sse-b", property_dependencies={"bucket": "two"}),
    ])
    none, one, two, one_sse = args.resources[:4]
    index = props.by_joined_urn(props.resources_of(args, SSE), "bucket")
    reported = []

    def report(message, urn=None):
        reported.append((message, urn))

    found = [props.sole_companion(bucket, index.get(bucket.urn, []), f"bucket '{bucket.name}'",
                                  "BucketServerSideEncryptionConfiguration", "required one with sseAlgorithm aws:kms",
                                  report)
             for bucket in (none, one, two)]
    assert found == [None, one_sse, None]
    assert reported == [
        ("bucket 'none' has no BucketServerSideEncryptionConfiguration; required one with sseAlgorithm aws:kms",
         none.urn),
        ("bucket 'two' has 2 BucketServerSideEncryptionConfiguration resources ('two-sse-a', 'two-sse-b'); "
         "required exactly one", two.urn),
    ]


def test_owns_account_baseline_setting_defaults_to_true():
    schema = props.owns_account_baseline_schema("This stack declares the detector.")
    assert schema.properties == {props.OWNS_ACCOUNT_BASELINE_KEY: {
        "type": "boolean", "default": True, "description": "This stack declares the detector."}}
    assert props.owns_account_baseline(stack_args([], config={"ownsAccountBaseline": True}))
    assert not props.owns_account_baseline(stack_args([], config={"ownsAccountBaseline": False}))
    props.skip_unless_owns_account_baseline(stack_args([], config={"ownsAccountBaseline": True}), "unused")
    with pytest.raises(_NotApplicableError) as raised:
        props.skip_unless_owns_account_baseline(stack_args([], config={"ownsAccountBaseline": False}),
                                                "another stack declares the detector")
    assert raised.value.reason == "ownsAccountBaseline is false: another stack declares the detector"


WORKLOADS = {
    "kubernetes:core/v1:Pod": {"spec": {"runtimeClassName": "gvisor"}},
    "kubernetes:apps/v1:Deployment": {"spec": {"template": {"spec": {"runtimeClassName": "gvisor"}}}},
    "kubernetes:batch/v1:Job": {"spec": {"template": {"spec": {"runtimeClassName": "gvisor"}}}},
    "kubernetes:batch/v1:CronJob": {
        "spec": {"jobTemplate": {"spec": {"template": {"spec": {"runtimeClassName": "gvisor"}}}}}
    },
}


@pytest.mark.parametrize("resource_type", sorted(WORKLOADS))
def test_pod_spec_finds_the_pod_template_of_every_workload_kind(resource_type):
    assert props.pod_spec(resource_type, engine_props(WORKLOADS[resource_type]))["runtimeClassName"] == "gvisor"


def test_pod_spec_is_none_for_other_types_and_missing_specs():
    assert props.pod_spec("kubernetes:core/v1:Namespace", engine_props({"spec": {}})) is None
    assert props.pod_spec("kubernetes:apps/v1:Deployment", engine_props({"spec": {}})) is None
    assert props.K8S_WORKLOAD_TOKENS == props.K8S_TEMPLATE_WORKLOAD_TOKENS | {
        "kubernetes:core/v1:Pod", "kubernetes:batch/v1:CronJob"}


def test_containers_lists_regular_init_and_ephemeral_containers():
    spec = engine_props({"containers": [{"name": "app"}], "initContainers": [{"name": "migrate"}],
                         "ephemeralContainers": [{"name": "debug"}]})
    assert [(kind, c["name"]) for kind, c in props.containers(spec)] == [
        ("containers", "app"), ("initContainers", "migrate"), ("ephemeralContainers", "debug")]
    assert [c["name"] for _, c in props.containers(spec, include_init=False)] == ["app"]
    assert list(props.containers(None)) == []


def test_kubernetes_metadata_helpers():
    p = engine_props({"metadata": {"name": "org-acme", "labels": {"quome.io/tenant": "true"}}})
    assert props.k8s_name(p, "fallback") == "org-acme"
    assert props.k8s_name(engine_props({}), "fallback") == "fallback"
    assert dict(props.labels(p)) == {"quome.io/tenant": "true"}
    assert props.labels(engine_props({})) == {}
    assert props.k8s_namespace(p) == "default"
    assert props.k8s_namespace(engine_props({"metadata": {"namespace": "org-acme"}})) == "org-acme"


def test_workload_and_container_refs_name_objects_for_messages():
    p = engine_props({"metadata": {"name": "api", "namespace": "org-acme"}})
    assert props.workload_ref("kubernetes:apps/v1:Deployment", p, "fallback") == "Deployment 'org-acme/api'"
    assert props.workload_ref("kubernetes:core/v1:Pod", engine_props({}), "debug-pod") == "Pod 'default/debug-pod'"
    assert props.container_ref("containers", engine_props({"name": "app"})) == "container 'app'"
    assert props.container_ref("initContainers", engine_props({"name": "migrate"})) == "init container 'migrate'"
    assert props.container_ref("ephemeralContainers", engine_props({})) == "unnamed ephemeral container"


NOT_A_TENANT = ("namespace 'kube-system' is a system namespace (neither quome.io/tenant: \"true\" nor a "
                "quome.io/organization label)")


def test_tenant_namespaces_and_the_objects_in_them():
    from hipaa_pack.factory import StackArgs

    namespace, quota = "kubernetes:core/v1:Namespace", "kubernetes:core/v1:ResourceQuota"
    plain = stack_args([
        FakeResource(namespace, "acme", {"metadata": {"name": "org-acme", "labels": {props.TENANT_LABEL: "true"}}}),
        FakeResource(namespace, "system", {"metadata": {"name": "kube-system"}}),
        FakeResource(namespace, "unnamed", {"metadata": {"labels": {props.TENANT_LABEL: "true"}}}),
        FakeResource(namespace, "kappa", {"metadata": {"name": "org-kappa",
                                                       "labels": {props.ORGANIZATION_LABEL: "kappa"}}}),
        FakeResource(quota, "acme-quota", {"metadata": {"namespace": "org-acme"}}),
        FakeResource(quota, "default-quota", {"metadata": {}}),
    ])
    args = StackArgs(plain.resources, {}, {})
    acme, system, unnamed, kappa, acme_quota, default_quota = args.resources
    assert props.is_tenant_namespace(acme.props) and not props.is_tenant_namespace(system.props)

    tenants = props.tenant_namespaces(args)
    assert tenants == {"org-acme": acme, "unnamed": unnamed, "org-kappa": kappa}
    assert props.by_tenant_namespace(args, quota, tenants) == {"org-acme": [acme_quota], "default": [default_quota]}
    assert args.not_applicable_notes == [
        f"{system.urn}: {NOT_A_TENANT}",
        f"{default_quota.urn}: namespace 'default' is not a tenant namespace of this stack",
    ]
    assert props.not_a_tenant("kube-system") == NOT_A_TENANT


@pytest.mark.parametrize("namespace_labels, tenant", [
    ({"quome.io/tenant": "true"}, True),
    # Either label brings a namespace under the cluster's tenant admission policy (organization: Exists).
    ({"quome.io/organization": "acme"}, True),
    ({"quome.io/organization": "acme", "quome.io/tenant": "false"}, True),
    ({"quome.io/organization": ""}, True),
    ({"quome.io/tenant": "false"}, False),
    ({"quome.io/tenant": "True"}, False),
    ({"kubernetes.io/metadata.name": "kube-system"}, False),
    ({}, False),
])
def test_is_tenant_namespace_agrees_with_the_admission_policy_bindings(namespace_labels, tenant):
    assert props.is_tenant_namespace(engine_props({"metadata": {"labels": namespace_labels}})) is tenant


def test_system_namespaces_schema_defaults_to_the_kubernetes_system_namespaces():
    first, second = props.system_namespaces_schema(), props.system_namespaces_schema()
    assert first["default"] == ["kube-system", "kube-public", "kube-node-lease"]
    first["default"].append("mutated")
    assert second["default"] == ["kube-system", "kube-public", "kube-node-lease"]


def test_skip_system_namespace_marks_only_listed_namespaces_not_applicable():
    config = {props.SYSTEM_NAMESPACES_KEY: ["kube-system"]}
    system = resource_args("kubernetes:apps/v1:DaemonSet", {"metadata": {"namespace": "kube-system"}}, config=config)
    with pytest.raises(_NotApplicableError) as raised:
        props.skip_system_namespace(system)
    assert raised.value.reason == "namespace 'kube-system' is listed in systemNamespaces"
    # No namespace means "default", which is not a system namespace.
    props.skip_system_namespace(resource_args("kubernetes:apps/v1:Deployment", {"metadata": {}}, config=config))
