"""The catalog is well-formed, the pack is pinned to it, and Pulumi sees the metadata the catalog holds."""
import ast
import datetime
import importlib.util
import re
import types
from pathlib import Path

import pytest
import yaml
from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)
from pulumi_policy.policy import _PolicyAnalyzerServicer

import hipaa_pack
from hipaa_pack import CHECKS, PACK_NAME, PACK_VERSION, POLICIES, exemptions, read_pack_version
from hipaa_pack.catalog import (
    CATALOG,
    CITATION_RE,
    DOMAINS,
    MAX_REMEDIATION_CHARS,
    PSEUDO_ROOTS,
    REQUIREMENTS,
    CatalogError,
    load_catalog,
    module_name,
    short_type_name,
)
from hipaa_pack.checks import CheckContractError, _check_contract, load_checks
from hipaa_pack.factory import FRAMEWORK_NAME, FRAMEWORK_VERSION, resource_policy, stack_policy
from hipaa_pack.props import K8S_WORKLOAD_TOKENS

PACK_DIR = Path(hipaa_pack.__file__).resolve().parent.parent
CHECKS_DIR = PACK_DIR / "hipaa_pack" / "checks"
REPO = PACK_DIR.parent.parent

# The 80 core controls, in pack order. Changing this list is a deliberate catalog change.
CORE_CONTROLS = """
enc-s3-sse-kms enc-ebs-volumes enc-ebs-default enc-efs-cmk enc-rds-storage enc-dynamodb-cmk
enc-secretsmanager-cmk enc-cloudwatch-logs-kms enc-messaging-kms enc-eks-secrets-envelope enc-cloudtrail-kms
enc-apigw-cache enc-k8s-storageclass key-rotation-enabled key-deletion-window key-no-lockout-bypass
key-policy-least-privilege iam-no-broad-kms-decrypt tls-alb-https-modern-policy tls-alb-http-redirect
tls-alb-drop-invalid-headers tls-apigw-domain-tls12 tls-cloudfront tls-s3-secure-transport tls-efs-secure-transport
aud-cloudtrail-multiregion aud-cloudtrail-log-validation aud-cloudtrail-cloudwatch aud-cloudtrail-s3-data-events
aud-audit-bucket-object-lock aud-log-retention aud-s3-access-logging aud-vpc-flow-logs aud-eks-control-plane-logs
aud-alb-access-logs aud-apigw-logging aud-waf-logging aud-guardduty aud-securityhub-config int-s3-versioning
int-pulumi-protect acc-s3-block-public-access acc-s3-acls-disabled acc-iam-no-admin acc-iam-no-service-wildcard
acc-iam-managed-policies-only acc-sg-public-ingress-edge-443 acc-default-sg-closed acc-subnet-no-auto-public-ip
acc-igw-routes-edge-only acc-vpc-endpoints acc-eks-endpoint-private acc-eks-access-entries acc-eks-nodes-private
acc-imdsv2-hop-limit acc-rds-not-public acc-secrets-rotation acc-waf-associated acc-waf-managed-rules
acc-apigw-authorizer avl-backup-plan avl-backup-vault-protected avl-dynamodb-pitr avl-rds-backup-multiaz
avl-deletion-protection k8s-namespace-psa-restricted k8s-gvisor-runtimeclass-nodepool
k8s-workload-runtimeclass-gvisor k8s-default-deny-netpol k8s-netpol-enforcement k8s-namespace-quota-limitrange
k8s-run-as-non-root k8s-no-privilege-escalation k8s-drop-all-capabilities k8s-seccomp-runtime-default
k8s-restricted-volume-types k8s-baseline-host-isolation k8s-readonly-rootfs k8s-rbac-least-privilege
res-region-allowlist
""".split()


# ------------------------------------------------------------------------------------ catalog integrity


def test_catalog_holds_exactly_the_core_controls_in_order():
    assert list(CATALOG) == CORE_CONTROLS


def test_control_ids_are_unique_kebab_case_and_map_to_distinct_modules():
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)+", cid) for cid in CATALOG)
    assert len({module_name(cid) for cid in CATALOG}) == len(CATALOG)


def test_every_citation_is_well_formed_known_and_listed_once():
    for control in CATALOG.values():
        assert len(control.citations) == len(set(control.citations)), control.id
        for citation in control.citations:
            assert CITATION_RE.match(citation), (control.id, citation)
            assert citation in REQUIREMENTS, (control.id, citation)


def test_every_requirement_is_cited_and_paraphrased():
    cited = {c for control in CATALOG.values() for c in control.citations}
    assert set(REQUIREMENTS) == cited
    for requirement in REQUIREMENTS.values():
        assert requirement.text.endswith(".") and requirement.section.startswith(requirement.citation[:7])


def test_controls_have_allowed_values_and_short_remediation():
    assert {c.domain for c in CATALOG.values()} == set(DOMAINS)
    for control in CATALOG.values():
        assert 0 < len(control.remediation) <= MAX_REMEDIATION_CHARS, control.id
        assert control.url.startswith("https://"), control.id
        assert not control.title.lower().startswith("ensure"), control.id


def test_advisory_controls_are_the_documented_judgement_calls():
    advisory = [c.id for c in CATALOG.values() if c.enforcement == "advisory"]
    assert advisory == ["acc-iam-managed-policies-only", "k8s-readonly-rootfs"]
    for cid in advisory:
        assert "Advisory" in CATALOG[cid].pass_condition


def test_aliases_are_listed_next_to_the_tokens_they_alias():
    for control in CATALOG.values():
        types_ = set(control.resource_types)
        for token in types_:
            if token == "aws:s3/bucket:Bucket":
                assert "aws:s3/bucketV2:BucketV2" in types_, control.id
            if token.startswith("aws:lb/"):
                assert "aws:alb/" + token[len("aws:lb/"):] in types_, control.id
            for side in ("ServerSideEncryptionConfiguration", "Versioning", "Logging", "ObjectLockConfiguration",
                         "LifecycleConfiguration", "Acl"):
                if token == f"aws:s3/bucket{side}:Bucket{side}":
                    assert f"aws:s3/bucket{side}V2:Bucket{side}V2" in types_, control.id


def test_pod_spec_paths_belong_to_workload_controls():
    for control in CATALOG.values():
        if any(p.startswith("podSpec.") for p in control.properties):
            assert set(control.resource_types) <= K8S_WORKLOAD_TOKENS, control.id


def _sdk_file(token: str) -> Path:
    """The installed SDK module that declares `token` (pulumi_aws / pulumi_kubernetes layout)."""
    package, module, name = token.split(":")
    if package == "pulumi":
        root, relative = "pulumi_" + name, "provider.py"
    elif package == "aws":
        service, resource = module.split("/")
        root, relative = "pulumi_aws", f"{service}/{re.sub(r'(?<!^)(?=[A-Z])', '_', resource).lower()}.py"
    elif package == "kubernetes":
        group, version = module.split("/")
        root, relative = "pulumi_kubernetes", f"{group.split('.')[0]}/{version}/{name}.py"
    else:
        raise AssertionError(f"no SDK layout known for {token}")
    return Path(importlib.util.find_spec(root).submodule_search_locations[0]) / relative


_GETTER = re.compile(r'@pulumi\.getter(?:\(name="(\w+)"\))?\s*\n\s*def (\w+)\(')


def test_every_resource_type_exists_in_the_installed_sdks():
    for token in sorted({t for c in CATALOG.values() for t in c.resource_types}):
        path = _sdk_file(token)
        assert path.exists() and f'@pulumi.type_token("{token}")' in path.read_text(), token


def test_every_property_starts_with_a_real_engine_property():
    getters: dict[str, set[str]] = {}
    for control in CATALOG.values():
        by_root: dict[str, set[str]] = {}
        for token in control.resource_types:
            if token not in getters:
                text = _sdk_file(token).read_text()
                getters[token] = {named or plain for named, plain in _GETTER.findall(text)}
            by_root.setdefault(short_type_name(token), set()).update(getters[token])
        for prop in control.properties:
            root, first = re.match(r"(\w+)\.(\w+)", prop).groups()
            if root in PSEUDO_ROOTS:
                continue
            assert first in by_root[root], f"{control.id}: {prop}: {root} has no property {first!r}"


# ------------------------------------------------------------------------------------ pack pinned to catalog


def test_policies_follow_catalog_order_and_account_for_every_control():
    names = [p.name for p in POLICIES]
    assert names == list(CATALOG)


def test_every_control_has_a_check():
    modules = load_checks(strict=True)
    assert {m.POLICY.name for m in modules} == set(CATALOG)
    assert {p.name for p in POLICIES} == set(CATALOG)


def test_check_files_are_named_after_catalog_controls():
    stems = {p.stem for p in CHECKS_DIR.glob("*.py")} - {"__init__"}
    orphans = stems - {module_name(cid) for cid in CATALOG}
    assert not orphans, f"check modules without a catalog control: {sorted(orphans)}"
    for module in CHECKS:
        assert module.__name__.rsplit(".", 1)[-1] == module_name(module.CONTROL.id)


def test_each_check_module_keeps_the_contract():
    for module in CHECKS:
        assert module.POLICY.name == module.CONTROL.id
        expected = ResourceValidationPolicy if module.CONTROL.kind == "resource" else StackValidationPolicy
        assert isinstance(module.POLICY, expected)


def test_a_module_breaking_the_contract_is_named():
    control = CATALOG["key-rotation-enabled"]
    module = types.ModuleType("hipaa_pack.checks.key_rotation_enabled")
    module.CONTROL, module.validate = control, lambda args, report: None
    with pytest.raises(CheckContractError, match=r"key_rotation_enabled: missing POLICY"):
        _check_contract(module, control)
    module.POLICY = stack_policy(CATALOG["enc-s3-sse-kms"], module.validate)
    with pytest.raises(CheckContractError, match=r"POLICY is a StackValidationPolicy; the catalog says kind = "
                                                 r"'resource', so build it with resource_policy"):
        _check_contract(module, control)


def test_the_factory_refuses_the_wrong_policy_kind():
    with pytest.raises(ValueError, match="enc-s3-sse-kms is a stack control in the catalog; build it with "
                                         "stack_policy, not resource_policy"):
        resource_policy(CATALOG["enc-s3-sse-kms"], lambda args, report: None)


@pytest.mark.parametrize("schema, message", [
    (PolicyConfigSchema(properties={"maxDays": {"type": "integer"}}),
     "key-rotation-enabled: config property 'maxDays' has no default; every property needs one"),
    (PolicyConfigSchema(properties={"exemptions": {"type": "array", "default": []}}),
     "key-rotation-enabled: config property 'exemptions' is reserved; the factory adds it to every policy"),
    (PolicyConfigSchema(properties={"maxDays": {"type": "integer", "default": 1}}, required=["maxDays"]),
     "key-rotation-enabled: config properties must not be required"),
])
def test_the_factory_refuses_config_a_stack_without_config_could_not_satisfy(schema, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        resource_policy(CATALOG["key-rotation-enabled"], lambda args, report: None, schema)


_ENFORCEMENT = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY}


def test_policy_metadata_comes_from_the_catalog():
    for policy in POLICIES:
        control = CATALOG[policy.name]
        assert policy.description == control.title
        assert policy.enforcement_level == _ENFORCEMENT[control.enforcement]
        assert policy.severity == Severity(control.severity)
        assert policy.framework.name == FRAMEWORK_NAME
        assert policy.framework.version == FRAMEWORK_VERSION
        assert policy.framework.reference == ", ".join(control.citations)
        assert policy.framework.specification == REQUIREMENTS[control.citations[0]].text
        assert policy.tags == [
            *(f"hipaa:{c}" for c in control.citations), control.domain_slug, *control.resource_types
        ]
        assert policy.remediation_steps == control.remediation
        assert policy.url == control.url
        assert "exemptions" in policy.config_schema.properties


def test_config_settings_a_check_reads_are_named_in_its_pass_condition():
    for policy in POLICIES:
        for setting in set(policy.config_schema.properties) - {"exemptions"}:
            assert setting in CATALOG[policy.name].pass_condition, f"{policy.name}: {setting}"
            assert "default" in policy.config_schema.properties[setting]


# ------------------------------------------------------------------------------------ a bad catalog

VALID_TOML = '''
[requirements."164.312(a)(2)(iv)"]
title = "Encryption and decryption"
section = "164.312 Technical safeguards"
text = "Have a mechanism to encrypt and decrypt ePHI."

[controls.key-rotation-enabled]
title = "Symmetric KMS keys rotate automatically"
domain = "Key management"
kind = "resource"
severity = "medium"
enforcement = "mandatory"
citations = ["164.312(a)(2)(iv)"]
resource_types = ["aws:kms/key:Key"]
properties = ["Key.enableKeyRotation"]
pass_condition = "enableKeyRotation is true."
remediation = "Set enable_key_rotation=True."
url = "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html"
'''
C = "catalog.toml: controls.key-rotation-enabled"


@pytest.mark.parametrize("old, new, message", [
    ('severity = "medium"', 'severity = "urgent"',
     f"{C}.severity = 'urgent': not allowed; expected one of low, medium, high, critical"),
    ('enforcement = "mandatory"', 'enforcement = "required"',
     f"{C}.enforcement = 'required': not allowed; expected one of mandatory, advisory"),
    ('kind = "resource"', 'kind = "account"',
     f"{C}.kind = 'account': not allowed; expected one of resource, stack"),
    ('citations = ["164.312(a)(2)(iv)"]', 'citations = ["164.312(a)(2)(iv)", "164.312(b)"]',
     f"{C}.citations = '164.312(b)': unknown citation; add a [requirements.\"164.312(b)\"] table"),
    ('citations = ["164.312(a)(2)(iv)"]', 'citations = ["164.312(a)(2)(iv)", "164.312(a)(2)(iv)"]',
     f"{C}.citations = '164.312(a)(2)(iv)': listed twice; remove the duplicate"),
    ('citations = ["164.312(a)(2)(iv)"]', 'citations = ["45 CFR 164.312(a)"]',
     f"{C}.citations = '45 CFR 164.312(a)': not a citation; expected to match {CITATION_RE.pattern}"),
    ('citations = ["164.312(a)(2)(iv)"]', 'citations = []',
     f"{C}.citations = []: expected a non-empty list of strings"),
    ('remediation = "Set enable_key_rotation=True."', f'remediation = "{"x" * 601}"',
     f"{C}.remediation = '{'x' * 40}...': 601 characters; at most 600 allowed"),
    ('resource_types = ["aws:kms/key:Key"]', 'resource_types = ["AWS::KMS::Key"]',
     f"{C}.resource_types = 'AWS::KMS::Key': not a type token; expected <package>:<module>:<Type>, "
     f"e.g. aws:s3/bucket:Bucket"),
    ('properties = ["Key.enableKeyRotation"]', 'properties = ["Bucket.versioning"]',
     f"{C}.properties = 'Bucket.versioning': root 'Bucket' is neither a type of this control nor a pseudo-root; "
     f"expected one of Key, opts, podSpec"),
    ('properties = ["Key.enableKeyRotation"]', 'properties = ["Key.rules[0]"]',
     f"{C}.properties = 'Key.rules[0]': not a property path; expected <Type>.<camelCase path>, map keys as [\"key\"]"),
    ('title = "Symmetric KMS keys rotate automatically"', 'title = "Ensure KMS keys rotate"',
     f"{C}.title = 'Ensure KMS keys rotate': state the compliant condition; do not start with \"Ensure\""),
    ('domain = "Key management"', 'domain = "Crypto"',
     f"{C}.domain = 'Crypto': not allowed; expected one of " + ", ".join(DOMAINS)),
    ('url = "https://', 'owner = "security"\nurl = "https://',
     f"{C}.owner = 'security': unknown field; allowed fields are title, domain, kind, severity, enforcement, "
     f"citations, resource_types, properties, pass_condition, remediation, url"),
    ('url = "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html"', '',
     f"{C}: missing field 'url'; required fields are title, domain, kind, severity, enforcement, citations, "
     f"resource_types, properties, pass_condition, remediation, url"),
    ('url = "https://', 'url = "http://',
     f"{C}.url = 'http://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html': expected an https:// URL"),
    ('[controls.key-rotation-enabled]', '[controls.KeyRotation]',
     "catalog.toml: controls.KeyRotation = 'KeyRotation': control ids are kebab-case, e.g. enc-s3-sse-kms"),
    ('[controls.key-rotation-enabled]', '[requirements."164.312(b)"]\ntitle = "Audit controls"\n'
     'section = "164.312 Technical safeguards"\ntext = "Record activity."\n\n[controls.key-rotation-enabled]',
     "catalog.toml: requirements.\"164.312(b)\" = '164.312(b)': not cited by any control; remove it or cite it"),
])
def test_a_bad_catalog_raises_catalog_error_with_the_exact_problem(tmp_path, old, new, message):
    assert old in VALID_TOML
    path = tmp_path / "catalog.toml"
    path.write_text(VALID_TOML.replace(old, new, 1))
    with pytest.raises(CatalogError) as error:
        load_catalog(path)
    assert str(error.value) == message


def test_the_valid_base_of_the_bad_catalog_cases_loads(tmp_path):
    path = tmp_path / "catalog.toml"
    path.write_text(VALID_TOML)
    assert list(load_catalog(path).controls) == ["key-rotation-enabled"]


def test_a_control_declared_twice_is_rejected(tmp_path):
    path = tmp_path / "catalog.toml"
    path.write_text(VALID_TOML + VALID_TOML[VALID_TOML.index("[controls."):])
    with pytest.raises(CatalogError, match=r"^catalog\.toml: not valid TOML: Cannot declare"):
        load_catalog(path)


# ------------------------------------------------------------------------------------ pack files


def test_pack_version_is_the_one_in_pulumi_policy_yaml():
    document = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert PACK_VERSION == document["version"] == "0.1.0"
    assert document["runtime"] == {"name": "python", "options": {"virtualenv": "venv"}}
    assert PACK_NAME == "quome-hipaa"


@pytest.mark.parametrize("line, version", [
    ("version: 1.2.3", "1.2.3"), ('version: "1.2.3"', "1.2.3"), ("version: '2.0.0-rc.1'  # next", "2.0.0-rc.1")])
def test_read_pack_version_accepts_plain_quoted_and_commented_lines(tmp_path, line, version):
    path = tmp_path / "PulumiPolicy.yaml"
    path.write_text(f"runtime: python\n{line}\ndescription: x\n")
    assert read_pack_version(path) == version


def test_read_pack_version_fails_without_a_version_line(tmp_path):
    path = tmp_path / "PulumiPolicy.yaml"
    path.write_text("runtime: python\n  version: 1.0.0\n")
    with pytest.raises(RuntimeError, match="no top-level 'version: X.Y.Z' line"):
        read_pack_version(path)


def test_pack_requirements_hold_only_the_runtime_pins():
    lines = [
        line for line in (PACK_DIR / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")
    ]
    assert lines == ["pulumi>=3.200,<4", "pulumi-policy>=1.21,<2"]


def test_main_only_builds_the_policy_pack():
    tree = ast.parse((PACK_DIR / "__main__.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"pulumi_policy", "hipaa_pack"}
    calls = [n for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
    assert [c.value.func.id for c in calls] == ["PolicyPack"]
    keywords = {k.arg: ast.unparse(k.value) for k in calls[0].value.keywords}
    assert keywords["name"] == "PACK_NAME" and keywords["policies"] == "POLICIES"
    assert keywords["enforcement_level"] == "EnforcementLevel.ADVISORY"
    assert not [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Assign))]


def test_readme_is_generated_from_the_catalog():
    spec = importlib.util.spec_from_file_location("gen_readme", PACK_DIR / "gen_readme.py")
    gen_readme = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_readme)
    assert (REPO / "policies" / "README.md").read_text() == gen_readme.render(), \
        "policies/README.md is stale: run python policies/hipaa/gen_readme.py"


# ------------------------------------------------------------------------------------ through the analyzer


def _servicer():
    return _PolicyAnalyzerServicer(PACK_NAME, PACK_VERSION, POLICIES, EnforcementLevel.ADVISORY)


def _struct(value):
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


def test_the_analyzer_advertises_catalog_metadata():
    info = _servicer().GetAnalyzerInfo(None, None)
    assert info.name == PACK_NAME and info.version == PACK_VERSION
    assert [p.name for p in info.policies] == [p.name for p in POLICIES]
    for policy_info in info.policies:
        control = CATALOG[policy_info.name]
        assert policy_info.description == control.title
        assert proto.EnforcementLevel.Name(policy_info.enforcementLevel) == control.enforcement.upper()
        assert proto.PolicySeverity.Name(policy_info.severity) == f"POLICY_SEVERITY_{control.severity.upper()}"
        assert policy_info.framework.reference == ", ".join(control.citations)
        assert list(policy_info.tags)[:len(control.citations)] == [f"hipaa:{c}" for c in control.citations]
        assert "exemptions" in policy_info.configSchema.properties
        expected_type = "POLICY_TYPE_RESOURCE" if control.kind == "resource" else "POLICY_TYPE_STACK"
        assert proto.PolicyType.Name(policy_info.policy_type) == expected_type


def test_the_analyzer_reports_a_resource_violation_once_and_skips_other_types_silently():
    urn = "urn:pulumi:dev::quome-platform::aws:kms/key:Key::audit"
    response = _servicer().Analyze(proto.AnalyzeRequest(
        type="aws:kms/key:Key", urn=urn, name="audit", properties=_struct({"enableKeyRotation": False})), None)
    # Policies for other resource types stay silent: every diagnostic comes from a key control.
    for diagnostic in response.diagnostics:
        assert "aws:kms/key:Key" in CATALOG[diagnostic.policyName].resource_types, diagnostic.policyName
    # urn stays empty: the engine attributes a resource policy's diagnostic to the analyzed resource.
    assert [(d.policyName, d.message, d.urn, proto.EnforcementLevel.Name(d.enforcementLevel))
            for d in response.diagnostics if d.policyName == "key-rotation-enabled"] == [
        ("key-rotation-enabled",
         "Symmetric KMS keys rotate automatically at least once a year\n"
         "KMS key 'audit': enableKeyRotation is false; required true",
         "", "MANDATORY")]
    assert list(response.not_applicable) == []


def test_the_analyzer_applies_configured_exemptions_to_stack_policies():
    servicer = _servicer()
    request = proto.ConfigureAnalyzerRequest()
    request.policyConfig["enc-s3-sse-kms"].CopyFrom(proto.PolicyConfig(
        enforcementLevel=proto.MANDATORY,
        properties=_struct({"exemptions": [{"resource": "legacy-*", "reason": "imported, re-created in SEC-42",
                                            "expires": "2026-03-31"}]})))
    servicer.Configure(request, None)
    bucket = lambda name: proto.AnalyzerResource(  # noqa: E731
        type="aws:s3/bucket:Bucket", urn=f"urn:pulumi:dev::quome-platform::aws:s3/bucket:Bucket::{name}",
        name=name, properties=_struct({"bucket": f"quome-{name}"}))
    with exemptions.fixed_today(datetime.date(2026, 1, 15)):
        response = servicer.AnalyzeStack(proto.AnalyzeStackRequest(resources=[bucket("legacy-logs"), bucket("phi")]),
                                         None)
    assert [(d.policyName, d.urn) for d in response.diagnostics if d.policyName == "enc-s3-sse-kms"] == [
        ("enc-s3-sse-kms", "urn:pulumi:dev::quome-platform::aws:s3/bucket:Bucket::phi")]
    assert [(n.policy_name, n.reason) for n in response.not_applicable if n.policy_name == "enc-s3-sse-kms"] == [
        ("enc-s3-sse-kms", "urn:pulumi:dev::quome-platform::aws:s3/bucket:Bucket::legacy-logs: exempted until "
                           "2026-03-31: imported, re-created in SEC-42 (waived: bucket 'legacy-logs' has no "
                           "BucketServerSideEncryptionConfiguration; required one with sseAlgorithm aws:kms or "
                           "aws:kms:dsse)")]
