"""Tenant isolation, asserted over the whole planned stacks (dev, us-prod, eu-prod).

Each stack is planned once with `quome.plan.plan_stack` (the real program under mocks) and these
tests read only the plan document, as the policy pack would: no RoleBinding reaches into another
organization's namespace, no tenant holds anything cluster-wide, every tenant namespace carries its
fences and is covered by the admission policy, and sandbox node pools and RuntimeClasses agree.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections import defaultdict
from typing import Any, Iterable

import pytest

from components.org_network_policies import POLICY_NAMES
from components.org_rbac import ROLE_NAMES
from components.organization import namespace_name
from quome.plan import load_spec, plan_stack
from tests.components.k8s_schema import schema_version, validate

STACKS = ("dev", "us-prod", "eu-prod")
TENANT_GROUP_PREFIX = "quome:"
REQUIRED_QUOTA = {
    "requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "pods", "requests.storage",
    "persistentvolumeclaims", "services.loadbalancers", "services.nodeports",
}
EKS_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}
RUNTIME_CLASS = "kubernetes:node.k8s.io/v1:RuntimeClass"
STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"

_PLANS: dict[str, dict[str, Any]] = {}


def plan(stack: str) -> dict[str, Any]:
    if stack not in _PLANS:
        _PLANS[stack] = plan_stack(stack)
    return _PLANS[stack]


def of_type(document: dict[str, Any], token: str) -> list[dict[str, Any]]:
    return [r for r in document["resources"] if r["type"] == token]


def by_name(document: dict[str, Any], token: str) -> dict[str, dict[str, Any]]:
    """metadata.name -> inputs of the Kubernetes objects of one type."""
    return {r["inputs"]["metadata"]["name"]: r["inputs"] for r in of_type(document, token)}


def labels(resource: dict[str, Any]) -> dict[str, str]:
    return resource["inputs"].get("metadata", {}).get("labels", {}) or {}


def tenant_namespaces(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Org id -> its Namespace."""
    found = {}
    for namespace in of_type(document, "kubernetes:core/v1:Namespace"):
        if labels(namespace).get("quome.io/tenant") == "true":
            found[labels(namespace)["quome.io/organization"]] = namespace
    return found


def in_namespace(document: dict[str, Any], token: str, namespace: str) -> list[dict[str, Any]]:
    return [r for r in of_type(document, token) if r["inputs"]["metadata"].get("namespace") == namespace]


def tenant_group_org(group: str, org_ids: Iterable[str]) -> str | None:
    """The org a `quome:<org>:<role>` group belongs to, or None for any other group."""
    parts = group.split(":")
    if len(parts) == 3 and parts[0] == "quome" and parts[1] in set(org_ids):
        return parts[1]
    return None


def owning_org(resource: dict[str, Any], document: dict[str, Any]) -> str | None:
    """The org whose Organization component (transitively) parents `resource`, if any.

    A component's org is read from the tenant Namespace it parents, not parsed out of its name.
    """
    by_urn = {r["urn"]: r for r in document["resources"]}
    component_org = {
        namespace["parent"]: labels(namespace)["quome.io/organization"]
        for namespace in of_type(document, "kubernetes:core/v1:Namespace")
        if namespace["parent"] in by_urn and by_urn[namespace["parent"]]["type"] == "quome:organization:Organization"
    }
    current = resource.get("parent")
    while current in by_urn:
        if current in component_org:
            return component_org[current]
        current = by_urn[current].get("parent")
    return None


@pytest.fixture(params=STACKS)
def stack(request) -> str:
    return request.param


# -- namespaces and their fences ------------------------------------------------------------------------
def test_every_organization_has_a_restricted_tenant_namespace(stack):
    document, spec = plan(stack), load_spec(stack).spec
    namespaces = tenant_namespaces(document)
    assert set(namespaces) == {org.id for org in spec.organizations}
    version = f"v{spec.cluster.version}"
    for org_id, namespace in namespaces.items():
        assert namespace["inputs"]["metadata"]["name"] == namespace_name(org_id)
        for mode in ("enforce", "audit", "warn"):
            assert labels(namespace)[f"pod-security.kubernetes.io/{mode}"] == "restricted", (org_id, mode)
            assert labels(namespace)[f"pod-security.kubernetes.io/{mode}-version"] == version, (org_id, mode)


def test_every_tenant_namespace_has_default_deny_and_only_named_paths(stack):
    document = plan(stack)
    for org_id in tenant_namespaces(document):
        policies = {
            p["inputs"]["metadata"]["name"]: p["inputs"]["spec"]
            for p in in_namespace(document, NETWORK_POLICY, namespace_name(org_id))
        }
        assert sorted(policies) == sorted(POLICY_NAMES), org_id
        assert policies["default-deny"] == {"podSelector": {"matchLabels": {}}, "policyTypes": ["Ingress", "Egress"]}
        for name, spec in policies.items():
            for rule in spec.get("ingress", []):
                assert rule.get("from"), (org_id, name, "ingress from anywhere")
            for rule in spec.get("egress", []):
                assert rule.get("to"), (org_id, name, "egress to anywhere")
            for rule in spec.get("ingress", []) + spec.get("egress", []):
                for peer in rule.get("from", []) + rule.get("to", []):
                    assert not peer.get("ipBlock", {}).get("cidr", "").endswith("/0"), (org_id, name)
                    if "namespaceSelector" in peer:
                        # The only other namespace a tenant reaches is kube-system, for DNS.
                        assert peer["namespaceSelector"] == {
                            "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                        }


def test_every_tenant_namespace_has_its_quota_and_limits(stack):
    document = plan(stack)
    for org_id in tenant_namespaces(document):
        quotas = in_namespace(document, "kubernetes:core/v1:ResourceQuota", namespace_name(org_id))
        assert len(quotas) == 1, org_id
        hard = quotas[0]["inputs"]["spec"]["hard"]
        assert set(hard) == REQUIRED_QUOTA, org_id
        assert (hard["services.loadbalancers"], hard["services.nodeports"]) == ("0", "0"), org_id
        limit_ranges = in_namespace(document, "kubernetes:core/v1:LimitRange", namespace_name(org_id))
        assert len(limit_ranges) == 1, org_id
        container = [item for item in limit_ranges[0]["inputs"]["spec"]["limits"] if item["type"] == "Container"]
        assert len(container) == 1 and container[0]["default"] and container[0]["defaultRequest"], org_id


# -- RBAC --------------------------------------------------------------------------------------------------
def test_no_role_binding_grants_another_organizations_namespace(stack):
    document = plan(stack)
    namespaces = tenant_namespaces(document)
    namespace_org = {namespace_name(org_id): org_id for org_id in namespaces}
    bindings = of_type(document, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")
    assert bindings
    for binding in bindings:
        namespace = binding["inputs"]["metadata"]["namespace"]
        for subject in binding["inputs"].get("subjects", []):
            subject_org = tenant_group_org(subject["name"], namespaces) if subject["kind"] == "Group" else None
            if subject_org is not None:
                assert namespace_org.get(namespace) == subject_org, (
                    f"RoleBinding {binding['name']} in {namespace} grants group {subject['name']}"
                )
        if namespace in namespace_org:
            org_id = namespace_org[namespace]
            for subject in binding["inputs"]["subjects"]:
                assert subject["kind"] == "Group" and tenant_group_org(subject["name"], namespaces) == org_id, (
                    binding["name"], subject
                )
            # A RoleBinding to a ClusterRole would grant that ClusterRole's rules; tenants get Roles only.
            assert binding["inputs"]["roleRef"]["kind"] == "Role", binding["name"]
            roles = {r["inputs"]["metadata"]["name"] for r in in_namespace(
                document, "kubernetes:rbac.authorization.k8s.io/v1:Role", namespace)}
            assert binding["inputs"]["roleRef"]["name"] in roles, binding["name"]


def test_each_org_has_exactly_its_four_bindings(stack):
    document = plan(stack)
    for org_id in tenant_namespaces(document):
        bindings = in_namespace(document, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", namespace_name(org_id))
        groups = sorted(s["name"] for b in bindings for s in b["inputs"]["subjects"])
        assert groups == sorted(f"quome:{org_id}:{role}" for role in ROLE_NAMES)


def test_no_cluster_role_binding_or_cluster_role_for_tenants(stack):
    document = plan(stack)
    org_ids = set(tenant_namespaces(document))
    for binding in of_type(document, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"):
        for subject in binding["inputs"].get("subjects", []):
            assert not subject["name"].startswith(TENANT_GROUP_PREFIX), binding["name"]
            assert tenant_group_org(subject["name"], org_ids) is None, binding["name"]
    for token in ("ClusterRoleBinding", "ClusterRole"):
        owned = [
            r for r in of_type(document, f"kubernetes:rbac.authorization.k8s.io/v1:{token}") if owning_org(r, document)
        ]
        assert not owned, [r["name"] for r in owned]


def test_tenants_reach_the_cluster_through_groups_only(stack):
    document = plan(stack)
    org_ids = set(tenant_namespaces(document))
    tenant_principals = set()
    for entry in of_type(document, "aws:eks/accessEntry:AccessEntry"):
        groups = entry["inputs"].get("kubernetesGroups", [])
        orgs = {tenant_group_org(group, org_ids) for group in groups} - {None}
        if orgs:
            assert len(groups) == 1, entry["name"]
            org_id, role = groups[0].split(":")[1:]
            assert entry["inputs"]["principalArn"].endswith(f":role/quome-{org_id}-{role}"), entry["name"]
            tenant_principals.add(entry["inputs"]["principalArn"])
    assert len(tenant_principals) == 4 * len(org_ids)
    # EKS access policies add to RBAC; none may be attached to a tenant principal.
    for association in of_type(document, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"):
        assert association["inputs"]["principalArn"] not in tenant_principals, association["name"]


# -- admission, runtime and storage ------------------------------------------------------------------------
def selects(selector: dict[str, Any], namespace_labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics (matchLabels and matchExpressions, all ANDed)."""
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        return True
    if not selector.get("matchLabels", {}).items() <= namespace_labels.items():
        return False
    for requirement in selector.get("matchExpressions", []):
        key, operator, values = requirement["key"], requirement["operator"], requirement.get("values", [])
        present = key in namespace_labels
        if not {
            "Exists": present,
            "DoesNotExist": not present,
            "In": present and namespace_labels[key] in values,
            "NotIn": not present or namespace_labels[key] not in values,
        }[operator]:
            return False
    return True


def covering_policies(document: dict[str, Any], namespace_labels: dict[str, str]) -> list[dict[str, Any]]:
    """The admission policies that deny in a namespace with these labels (through some binding)."""
    policies = {
        p["inputs"]["metadata"]["name"]: p["inputs"]["spec"]
        for p in of_type(document, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy")
    }
    covering = []
    for binding in of_type(document, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"):
        spec = binding["inputs"]["spec"]
        policy = policies[spec["policyName"]]
        # The binding's and the policy's selectors both apply; an absent one selects every namespace.
        selectors = [selector for selector in (spec.get("matchResources", {}).get("namespaceSelector"),
                                               policy["matchConstraints"].get("namespaceSelector")) if selector]
        namespaced = any(not r.startswith("nodes")
                         for rule in policy["matchConstraints"]["resourceRules"] for r in rule["resources"])
        if namespaced and all(selects(selector, namespace_labels) for selector in selectors) \
                and "Deny" in spec["validationActions"]:
            covering.append(policy)
    return covering


def test_every_tenant_namespace_is_covered_by_the_admission_policy(stack):
    document = plan(stack)
    runtime_classes = by_name(document, RUNTIME_CLASS)
    storage_classes = by_name(document, STORAGE_CLASS)
    for org_id, namespace in tenant_namespaces(document).items():
        covering = covering_policies(document, labels(namespace))
        assert covering, f"no admission policy binding selects {namespace_name(org_id)}"
        resources = {
            r for policy in covering for rule in policy["matchConstraints"]["resourceRules"] for r in rule["resources"]
        }
        assert {"pods", "persistentvolumeclaims", "services"} <= resources, org_id
        runtime_class = runtime_classes[labels(namespace)["quome.io/runtime-class"]]
        assert runtime_class["handler"] == "runsc", org_id
        storage_class = storage_classes[labels(namespace)["quome.io/storage-class"]]
        assert storage_class["parameters"]["encrypted"] == "true", org_id


@pytest.mark.parametrize(
    "namespace_labels",
    [
        {"quome.io/organization": "acme"},  # an org namespace someone forgot to mark as a tenant's
        {"quome.io/tenant": "true"},  # a tenant namespace without its organization (rules fail closed)
        {"quome.io/organization": "acme", "quome.io/tenant": "false"},
    ],
)
def test_either_label_brings_a_namespace_under_the_admission_policy(stack, namespace_labels):
    covering = covering_policies(plan(stack), namespace_labels)
    assert covering and all(p["failurePolicy"] == "Fail" for p in covering)


def test_system_namespaces_are_not_judged_by_the_tenant_policy(stack):
    document = plan(stack)
    for namespace_labels in ({"kubernetes.io/metadata.name": "kube-system"}, {}):
        assert covering_policies(document, namespace_labels) == []


def test_the_node_policy_knows_every_dedicated_segment_and_no_shared_subnet(stack):
    """The node admission policy places a registering node by its address: its segments must be the network's."""
    document = plan(stack)
    (policy,) = [p for p in of_type(document, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy")
                 if p["inputs"]["metadata"]["name"] == "quome-node-isolation"]
    segments_expression = {v["name"]: v["expression"] for v in policy["inputs"]["spec"]["variables"]}["segments"]
    patterns = {
        org_id: re.compile(pattern)
        for org_id, pattern in re.findall(r"'([^']+)': '([^']+)'", segments_expression)
    }
    dedicated = {org.id for org in load_spec(stack).spec.organizations if org.dedicated}
    assert set(patterns) == dedicated

    def node_name(address: ipaddress.IPv4Address) -> str:
        return f"system:node:ip-{str(address).replace('.', '-')}.{load_spec(stack).spec.region}.compute.internal"

    private_subnets = [
        s["inputs"]
        for s in of_type(document, "aws:ec2/subnet:Subnet")
        if s["inputs"]["tags"]["quome.io/tier"] == "private"
    ]
    assert private_subnets
    for subnet in private_subnets:
        org_id = subnet["tags"].get("quome.io/organization")
        cidr = ipaddress.IPv4Network(subnet["cidrBlock"])
        assert subnet["privateDnsHostnameTypeOnLaunch"] == "ip-name", subnet["cidrBlock"]
        for address in (cidr.network_address + 4, cidr.broadcast_address - 1):  # first and last usable
            placed = {o for o, pattern in patterns.items() if pattern.search(node_name(address))}
            assert placed == ({org_id} if org_id else set()), (subnet["cidrBlock"], placed)


def test_the_endpoint_path_opens_only_the_endpoint_subnets(stack):
    document = plan(stack)
    tiers: dict[str, set[str]] = defaultdict(set)
    for subnet in of_type(document, "aws:ec2/subnet:Subnet"):
        tiers[subnet["inputs"]["tags"]["quome.io/tier"]].add(subnet["inputs"]["cidrBlock"])
    assert tiers["endpoints"]
    for org_id in tenant_namespaces(document):
        (policy,) = [p for p in in_namespace(document, NETWORK_POLICY, namespace_name(org_id))
                     if p["inputs"]["metadata"]["name"] == "allow-vpc-endpoints"]
        cidrs = {peer["ipBlock"]["cidr"] for rule in policy["inputs"]["spec"]["egress"] for peer in rule["to"]}
        assert cidrs == tiers["endpoints"], org_id
        for cidr in cidrs:
            for tier in ("private", "public", "isolated"):
                overlapping = [o for o in tiers[tier] if ipaddress.IPv4Network(cidr).overlaps(ipaddress.IPv4Network(o))]
                assert not overlapping, (org_id, tier)


def test_each_org_stores_under_its_own_key(stack):
    document = plan(stack)
    storage_classes = by_name(document, STORAGE_CLASS)
    workload_policies = {
        owning_org(p, document): json.loads(p["inputs"]["policy"])
        for p in of_type(document, "aws:iam/policy:Policy")
        if p["name"].endswith("-workload-policy")
    }
    org_keys = {}
    for org_id, namespace in tenant_namespaces(document).items():
        key = storage_classes[labels(namespace)["quome.io/storage-class"]]["parameters"]["kmsKeyId"]
        decrypt = [s for s in workload_policies[org_id]["Statement"] if s["Sid"] == "DecryptOrgSecrets"][0]
        assert decrypt["Resource"] == key, org_id
        org_keys[org_id] = key
    platform_keys = {
        s["parameters"]["kmsKeyId"] for name, s in storage_classes.items() if not name.startswith("org-")
    }
    assert len(set(org_keys.values())) == len(org_keys), org_keys
    assert not set(org_keys.values()) & platform_keys


def test_the_csi_driver_may_use_every_organizations_storage_class_key(stack):
    """An org StorageClass under a key the EBS CSI role may not use would leave every claim Pending."""
    document = plan(stack)
    storage_classes = by_name(document, STORAGE_CLASS)
    csi = [p for p in of_type(document, "aws:iam/policy:Policy") if p["name"].endswith("-ebs-csi-kms")]
    assert len(csi) == 1
    statements = {s["Sid"]: s for s in json.loads(csi[0]["inputs"]["policy"])["Statement"]}
    org_keys = [storage_classes[labels(ns)["quome.io/storage-class"]]["parameters"]["kmsKeyId"]
                for ns in tenant_namespaces(document).values()]
    assert org_keys
    assert sorted(statements["UseOrganizationKeysForVolumes"]["Resource"]) == sorted(org_keys)
    assert set(org_keys) <= set(statements["GrantsForAttachedVolumes"]["Resource"])


def _placeable(runtime_class: dict[str, Any], node_group: dict[str, Any]) -> bool:
    """Whether a pod of this RuntimeClass, adding nothing of its own, can land on the group's nodes."""
    scheduling = runtime_class.get("scheduling", {})
    if not scheduling.get("nodeSelector", {}).items() <= node_group.get("labels", {}).items():
        return False
    tolerated = {(t["key"], t.get("value"), t["effect"]) for t in scheduling.get("tolerations", [])}
    return all((t["key"], t["value"], EKS_EFFECTS[t["effect"]]) in tolerated for t in node_group.get("taints", []))


def _sandbox_groups(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        g for g in of_type(document, "aws:eks/nodeGroup:NodeGroup")
        if "sandbox.quome.io/runtime" in g["inputs"].get("labels", {})
    ]


def test_node_pool_taints_match_their_runtime_class(stack):
    document = plan(stack)
    spec = load_spec(stack).spec
    runtime_classes = by_name(document, RUNTIME_CLASS)
    groups = _sandbox_groups(document)
    assert runtime_classes and groups
    for name, runtime_class in runtime_classes.items():
        assert any(_placeable(runtime_class, g["inputs"]) for g in groups), f"RuntimeClass {name} fits no node group"
    for group in groups:
        inputs = group["inputs"]
        runtime_taint = {"key": "sandbox.quome.io/runtime", "value": "gvisor", "effect": "NO_SCHEDULE"}
        assert runtime_taint in inputs["taints"], group["name"]
        placeable = sorted(name for name, runtime_class in runtime_classes.items() if _placeable(runtime_class, inputs))
        org_id = inputs["labels"].get("quome.io/organization")
        if org_id is None:
            assert placeable == ["gvisor"], group["name"]
        else:
            org_taint = {"key": "quome.io/organization", "value": org_id, "effect": "NO_SCHEDULE"}
            assert org_taint in inputs["taints"], group["name"]
            assert placeable == [f"gvisor-{org_id}"], group["name"]
    dedicated = {org.id for org in spec.organizations if org.dedicated}
    assert {g["inputs"]["labels"].get("quome.io/organization") for g in groups} - {None} == dedicated


def test_no_other_runtime_class_selects_a_dedicated_orgs_nodes_whatever_the_pod_tolerates(stack):
    """Pods may add tolerations of their own, so taints alone never keep another org's pods off: every
    RuntimeClass but the org's own must select labels the org's nodes do not carry."""
    document = plan(stack)
    runtime_classes = by_name(document, RUNTIME_CLASS)
    for group in _sandbox_groups(document):
        org_id = group["inputs"]["labels"].get("quome.io/organization")
        if org_id is None:
            continue
        for name, runtime_class in runtime_classes.items():
            if name == f"gvisor-{org_id}":
                continue
            selector = runtime_class.get("scheduling", {}).get("nodeSelector", {})
            assert not selector.items() <= group["inputs"]["labels"].items(), (
                f"RuntimeClass {name} selects the nodes of organization {org_id}"
            )


# -- what every organization generates -------------------------------------------------------------------------
def test_every_org_kubernetes_object_is_schema_valid(stack):
    document = plan(stack)
    version = load_spec(stack).spec.cluster.version
    assert schema_version(version) == version
    checked = defaultdict(int)
    for resource in document["resources"]:
        if resource["custom"] and resource["type"].startswith("kubernetes:") and owning_org(resource, document):
            validate(resource["inputs"], version)
            checked[owning_org(resource, document)] += 1
    assert set(checked) == set(tenant_namespaces(document))


def test_policy_pack_finds_no_mandatory_violation_in_organizations(stack):
    """Nothing an Organization creates violates a mandatory control, and neither do the statements its
    key grants put into the org keys' policies (the keys themselves belong to Keys)."""
    from quome.check import check_plan

    document = plan(stack)
    result = check_plan(document, in_process=True)
    org_urns = {r["urn"] for r in document["resources"] if owning_org(r, document)}
    org_keys = {
        r["urn"]
        for r in of_type(document, "aws:kms/key:Key")
        if "quome:organization" in (r["inputs"].get("tags") or {})
    }
    assert org_urns and len(org_keys) == len(tenant_namespaces(document))
    mandatory = [
        v for v in result.violations
        if v.enforcement == "mandatory"
        and (v.urn in org_urns or (v.urn in org_keys and v.policy == "key-policy-least-privilege"))
    ]
    assert not mandatory, [(v.policy, v.name, v.message) for v in mandatory]
