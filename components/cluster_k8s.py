"""Cluster-level Kubernetes objects: gVisor RuntimeClass, default encrypted StorageClass, admission policies.

Builders take plain values and return typed pulumi_kubernetes resources, so organizations can reuse them
(a dedicated organization's `gvisor-<id>` RuntimeClass, its own StorageClass under its own key).

Organization namespaces (labels `quome.io/tenant: "true"` and `quome.io/organization: <id>`; either one
brings a namespace under the tenant policy) carry two more labels, set by the Organization component:
`quome.io/runtime-class` (the RuntimeClass the org's pods must use) and `quome.io/storage-class` (the
org's StorageClass). The tenant ValidatingAdmissionPolicy reads them from the namespace object: a pod
without `runtimeClassName`, or with another one, would run under plain runc (or on another org's nodes),
and a claim on any class but the org's would land under another key: the cluster's default class
(`gp3-encrypted`, the platform storage key shared by every organization), another org's, or a class the
platform does not manage (such as a `gp2` class EKS may have created, not under a platform key).

A third rule reads the namespace's `quome.io/organization` label: a pod may tolerate the
`quome.io/organization` taint only with `operator: Equal` and its own organization as value, and every
toleration must name a key (a key-less `Exists` toleration tolerates every taint). The RuntimeClasses'
nodeSelectors already keep pods off other organizations' nodes (components/node_pool.py); this rule
keeps a second fence in place should a selector ever drift. A fourth refuses Services with
`externalIPs` or of type LoadBalancer or NodePort (CVE-2020-8554; tenants are published by the edge).

Those nodeSelectors select node labels, and a kubelet may set any label on its own Node except the
`node-restriction.kubernetes.io/` ones. The node admission policy (`node_isolation_policy`) keeps
kubelets from adding, removing or changing the `quome.io/*` and `*.quome.io/*` labels and taints of their
node, and at registration binds `quome.io/organization` to the node's address: a shared sandbox node
taken over through a gVisor escape cannot relabel itself as an enterprise organization's node.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Mapping, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.node_pool import (
    ORGANIZATION_LABEL,
    POOL_LABEL,
    SANDBOX_POOL_PREFIX,
    SYSTEM_POOL,
    PoolTaint,
    pool_label_value,
)
from components.user_data import RUNTIME_HANDLER

SHARED_RUNTIME_CLASS = "gvisor"
DEFAULT_STORAGE_CLASS = "gp3-encrypted"
TENANT_LABEL = "quome.io/tenant"
RUNTIME_CLASS_LABEL = "quome.io/runtime-class"
STORAGE_CLASS_LABEL = "quome.io/storage-class"
ADMISSION_POLICY_NAME = "quome-tenant-sandbox"
EBS_CSI_PROVISIONER = "ebs.csi.aws.com"
BACKUP_TAG = ("quome.io/backup", "daily")
"""EBS volumes of claims carry this tag; the backup plan selects volumes by it."""

# The Sentry and Gofer of every sandbox run beside the workload: counted for scheduling and quota.
POD_OVERHEAD: Mapping[str, str] = {"cpu": "250m", "memory": "256Mi"}


def gvisor_runtime_class(
    resource_name: str,
    class_name: str,
    node_selector: Mapping[str, str],
    taints: Sequence[PoolTaint],
    opts: pulumi.ResourceOptions,
    labels: Mapping[str, str] | None = None,
) -> k8s.node.v1.RuntimeClass:
    """A RuntimeClass for handler `runsc` that pins its pods to the pool's nodes and tolerates its taints."""
    return k8s.node.v1.RuntimeClass(
        resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=class_name, labels=dict(labels) if labels else None),
        handler=RUNTIME_HANDLER,
        overhead=k8s.node.v1.OverheadArgs(pod_fixed=dict(POD_OVERHEAD)),
        scheduling=k8s.node.v1.SchedulingArgs(
            node_selector=dict(node_selector),
            tolerations=[
                k8s.core.v1.TolerationArgs(key=t.key, operator="Equal", value=t.value, effect=t.kubernetes_effect)
                for t in taints
            ],
        ),
        opts=opts,
    )


def encrypted_storage_class(
    resource_name: str,
    class_name: str,
    kms_key_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
    default: bool = False,
) -> k8s.storage.v1.StorageClass:
    """gp3 EBS volumes through the EBS CSI driver, encrypted with a customer-managed key.

    Claims are kept (`Retain`) when deleted: a deleted claim must not destroy PHI that backups may not
    have caught yet; released volumes are removed deliberately.
    """
    return k8s.storage.v1.StorageClass(
        resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=class_name,
            annotations={"storageclass.kubernetes.io/is-default-class": "true" if default else "false"},
        ),
        provisioner=EBS_CSI_PROVISIONER,
        parameters={
            "type": "gp3",
            "encrypted": "true",
            "kmsKeyId": kms_key_arn,
            "tagSpecification_1": f"{BACKUP_TAG[0]}={BACKUP_TAG[1]}",
        },
        reclaim_policy="Retain",
        volume_binding_mode="WaitForFirstConsumer",
        allow_volume_expansion=True,
        opts=opts,
    )


# CEL: a label read only after checking the namespace has labels and that one (no ternary over map types).
_NS_LABELS = "namespaceObject.metadata.labels"


def _namespace_label_equals(field: str, label: str) -> str:
    return f"has({_NS_LABELS}) && '{label}' in {_NS_LABELS} && {field} == {_NS_LABELS}['{label}']"


POD_RUNTIME_CLASS_RULE = (
    "request.resource.resource != 'pods' || ("
    "has(object.spec.runtimeClassName) && "
    f"{_namespace_label_equals('object.spec.runtimeClassName', RUNTIME_CLASS_LABEL)})"
)
# A claim must name the namespace's own class: the cluster's default class (`gp3-encrypted`, the platform
# storage key) would put several organizations' PHI under one shared key. A claim that names no class is
# refused too; the DefaultStorageClass admission plugin would otherwise fill in the cluster default (it
# mutates before validating admission runs, so such a claim arrives here naming gp3-encrypted and is refused
# for that). An UPDATE that keeps the class is admitted: the class is immutable once set, and controllers
# must still be able to update (e.g. drop the protection finalizer of) claims created before this rule.
PVC_STORAGE_CLASS_RULE = (
    "request.resource.resource != 'persistentvolumeclaims' || ("
    "has(object.spec.storageClassName) && ("
    f"{_namespace_label_equals('object.spec.storageClassName', STORAGE_CLASS_LABEL)} || ("
    "request.operation == 'UPDATE' && has(oldObject.spec.storageClassName) && "
    "oldObject.spec.storageClassName == object.spec.storageClassName)))"
)

TENANT_SERVICE_TYPES: tuple[str, ...] = ("ClusterIP", "ExternalName")
"""Service types a tenant may create: reachable only inside the cluster (or a DNS alias). Tenants are
published through the platform's edge (load balancer to pod IPs), never by a Service of their own."""

# CVE-2020-8554: whoever may write Services can set spec.externalIPs and have kube-proxy on every node
# capture traffic for those addresses (another tenant's, or an AWS endpoint's), a man-in-the-middle no
# NetworkPolicy sees. LoadBalancer and NodePort Services open node ports on every node, shared ones too.
# The quota's services.loadbalancers/nodeports of 0 already refuse both types; this rule also covers
# externalIPs, which no quota counts.
SERVICE_EXPOSURE_RULE = (
    "request.resource.resource != 'services' || ("
    "(!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0) && "
    f"(!has(object.spec.type) || object.spec.type in {list(TENANT_SERVICE_TYPES)!r}))"
)


# RuntimeClass admission merges the class's tolerations into the pod before validating admission runs, so
# a dedicated organization's own toleration (from `gvisor-<id>`) is already there and passes.
POD_TOLERATION_RULE = (
    "request.resource.resource != 'pods' || !has(object.spec.tolerations) || "
    "object.spec.tolerations.all(t, has(t.key) && t.key != '' && ("
    f"t.key != '{ORGANIZATION_LABEL}' || ("
    "(!has(t.operator) || t.operator == 'Equal') && has(t.value) && "
    f"{_namespace_label_equals('t.value', ORGANIZATION_LABEL)})))"
)


TENANT_RESOURCES: tuple[str, ...] = ("pods", "persistentvolumeclaims", "services")


def tenant_namespace_selectors() -> dict[str, k8s.meta.v1.LabelSelectorArgs]:
    """Binding suffix -> the namespaces it selects. Either label makes a namespace an organization's.

    A selector's requirements are ANDed, so "organization label or tenant label" takes two bindings.
    A namespace carrying only one of the labels is covered, and since the rules read the organization's
    classes from the namespace's labels, such a namespace fails closed (no pod or claim can match).
    """
    return {
        "organization": k8s.meta.v1.LabelSelectorArgs(
            match_expressions=[k8s.meta.v1.LabelSelectorRequirementArgs(key=ORGANIZATION_LABEL, operator="Exists")]
        ),
        "tenant": k8s.meta.v1.LabelSelectorArgs(match_labels={TENANT_LABEL: "true"}),
    }


def _core_v1_writes(resources: Sequence[str]) -> k8s.admissionregistration.v1.MatchResourcesArgs:
    """Creates and updates of core (v1) `resources`: what both admission policies judge."""
    av1 = k8s.admissionregistration.v1
    return av1.MatchResourcesArgs(
        resource_rules=[
            av1.NamedRuleWithOperationsArgs(
                api_groups=[""], api_versions=["v1"], operations=["CREATE", "UPDATE"], resources=list(resources)
            )
        ],
    )


def tenant_admission_policy(
    resource_name: str, opts: pulumi.ResourceOptions
) -> tuple[
    k8s.admissionregistration.v1.ValidatingAdmissionPolicy,
    tuple[k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding, ...],
]:
    """Deny, in organizations' namespaces, pods off the namespace's RuntimeClass or tolerating another
    organization's nodes, claims off its StorageClass, and Services exposed beyond the cluster.

    The policy itself selects no namespaces; its two bindings do (`tenant_namespace_selectors`).
    """
    av1 = k8s.admissionregistration.v1
    policy = av1.ValidatingAdmissionPolicy(
        resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=ADMISSION_POLICY_NAME),
        spec=av1.ValidatingAdmissionPolicySpecArgs(
            failure_policy="Fail",
            match_constraints=_core_v1_writes(TENANT_RESOURCES),
            validations=[
                av1.ValidationArgs(
                    expression=POD_RUNTIME_CLASS_RULE,
                    message=(
                        f"pods in tenant namespaces must set spec.runtimeClassName to the namespace's "
                        f"'{RUNTIME_CLASS_LABEL}' (a gVisor RuntimeClass); without it the pod would run under runc"
                    ),
                    reason="Forbidden",
                ),
                av1.ValidationArgs(
                    expression=POD_TOLERATION_RULE,
                    message=(
                        f"pods in tenant namespaces may tolerate '{ORGANIZATION_LABEL}' only with operator Equal and "
                        f"the namespace's own '{ORGANIZATION_LABEL}' value, and every toleration must name a key: "
                        "another organization's dedicated nodes are not theirs"
                    ),
                    reason="Forbidden",
                ),
                av1.ValidationArgs(
                    expression=PVC_STORAGE_CLASS_RULE,
                    message=(
                        f"persistent volume claims in tenant namespaces must set spec.storageClassName to the "
                        f"namespace's '{STORAGE_CLASS_LABEL}' (the organization's class, under its own key); "
                        f"'{DEFAULT_STORAGE_CLASS}' and other classes are not for tenant data"
                    ),
                    reason="Forbidden",
                ),
                av1.ValidationArgs(
                    expression=SERVICE_EXPOSURE_RULE,
                    message=(
                        "services in tenant namespaces may not set spec.externalIPs (CVE-2020-8554) and must be of "
                        f"type {' or '.join(TENANT_SERVICE_TYPES)}; tenants are published through the platform's edge"
                    ),
                    reason="Forbidden",
                ),
            ],
        ),
        opts=opts,
    )
    binding_opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[policy]))
    bindings = tuple(
        av1.ValidatingAdmissionPolicyBinding(
            # The organization-label binding keeps the name the (tenant-label) binding was first deployed with.
            f"{resource_name}-binding" if suffix == "organization" else f"{resource_name}-{suffix}-binding",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=ADMISSION_POLICY_NAME if suffix == "organization" else f"{ADMISSION_POLICY_NAME}-{suffix}-label"
            ),
            spec=av1.ValidatingAdmissionPolicyBindingSpecArgs(
                policy_name=ADMISSION_POLICY_NAME,
                validation_actions=["Deny"],
                match_resources=av1.MatchResourcesArgs(namespace_selector=selector),
            ),
            opts=binding_opts,
        )
        for suffix, selector in tenant_namespace_selectors().items()
    )
    return policy, bindings


# -- nodes: isolation labels a kubelet cannot rewrite ----------------------------------------------------
NODE_ADMISSION_POLICY_NAME = "quome-node-isolation"
NODE_USER_PREFIX = "system:node:"
"""Kubelets authenticate as `system:node:<node name>`; EKS derives the name from the instance (its EC2
private DNS name), so the kubelet cannot choose it."""
ISOLATION_KEY_PATTERN = "^([^/]*[.])?quome[.]io/"
"""Label and taint keys of the platform's placement: quome.io/* and *.quome.io/* (sandbox.quome.io/runtime)."""
SHARED_LOCATION_POOLS: tuple[str, ...] = (SYSTEM_POOL, pool_label_value(None))
"""`quome.io/pool` values of nodes outside every organization segment (the shared private subnets)."""


def node_name_pattern(segment: ipaddress.IPv4Network) -> str:
    """RE2 pattern matching the user name of a kubelet whose node address lies in `segment`.

    Node names are `ip-<a>-<b>-<c>-<d>.<region>.compute.internal` (or `.ec2.internal`): the private
    subnets pin the `ip-name` hostname type (components/network.py). A segment is /16 to /24, so its
    addresses share the first two octets and span a run of third octets.
    """
    if not 16 <= segment.prefixlen <= 24:
        raise ValueError(f"node_name_pattern({segment}): a segment must be /16 to /24")
    a, b, c, _ = (int(octet) for octet in str(segment.network_address).split("."))
    thirds = "|".join(str(c + n) for n in range(2 ** (24 - segment.prefixlen)))
    return f"^{NODE_USER_PREFIX}ip-{a}-{b}-({thirds})-[0-9]{{1,3}}[.]"


def _node_label(label: str) -> str:
    """A label of the node being written, or '' (a ternary over strings; CEL types it)."""
    labels = "object.metadata.labels"
    return f"has({labels}) && '{label}' in {labels} ? {labels}['{label}'] : ''"


def node_policy_variables(segments: Mapping[str, str]) -> dict[str, str]:
    """The node policy's CEL variables (read as `variables.<name>`): the labels judged, and the segments.

    `segments` maps each dedicated organization's id to its segment's CIDR; the policy holds, per
    organization, the pattern of its nodes' user names (`node_name_pattern`).
    """
    patterns = {org_id: node_name_pattern(ipaddress.IPv4Network(cidr)) for org_id, cidr in sorted(segments.items())}
    return {
        "organization": _node_label(ORGANIZATION_LABEL),
        "pool": _node_label(POOL_LABEL),
        "segments": "{" + ", ".join(f"'{org_id}': '{pattern}'" for org_id, pattern in patterns.items()) + "}",
    }


# CREATE by a kubelet: its organization and pool labels must match where the node is.
#
# A node registers (creates its Node object) with the labels and taints of its kubelet's flags, which EKS
# writes from the node group's configuration; so CREATE must carry them, and it is the one moment a kubelet
# chooses them. It happens once per node: the kubelet's RBAC (system:node) has no `delete` on nodes, so a
# compromised node cannot remove its Node object to register again. Should someone else delete the Node
# object of a running instance (`kubectl delete node` before terminating it), its kubelet registers again
# with labels of its choosing, and this rule is what stops it claiming an organization: the label
# `quome.io/organization=<id>` is accepted exactly when the node's own name (its address, which EKS puts in
# the user name) lies in that organization's segment, and a node inside a segment must claim that
# organization. `quome.io/pool` must then be `sandbox-<id>`, or, outside every segment, a shared pool.
NODE_REGISTRATION_RULE = (
    "request.operation != 'CREATE' || ("
    "(variables.organization == '' ? "
    "!variables.segments.exists(o, request.userInfo.username.matches(variables.segments[o])) : "
    "(variables.organization in variables.segments && "
    "request.userInfo.username.matches(variables.segments[variables.organization]))) && "
    "(variables.pool == '' || (variables.organization == '' ? "
    f"variables.pool in {list(SHARED_LOCATION_POOLS)!r} : "
    f"variables.pool == '{SANDBOX_POOL_PREFIX}' + variables.organization)))"
)


_OLD_LABELS, _NEW_LABELS = "oldObject.metadata.labels", "object.metadata.labels"
# UPDATE (the node object or its status subresource, through which labels can be written too): no
# isolation label may be added, removed or changed. A kubelet re-applies only Kubernetes' own default
# labels (hostname, zone, instance type, ...) after registering; changes to node-group labels come from
# EKS under its own identity, not a kubelet's.
NODE_LABELS_UNCHANGED_RULE = (
    "request.operation != 'UPDATE' || ("
    f"(!has({_OLD_LABELS}) || {_OLD_LABELS}.all(k, !k.matches('{ISOLATION_KEY_PATTERN}') || "
    f"(has({_NEW_LABELS}) && k in {_NEW_LABELS} && {_NEW_LABELS}[k] == {_OLD_LABELS}[k]))) && "
    f"(!has({_NEW_LABELS}) || {_NEW_LABELS}.all(k, !k.matches('{ISOLATION_KEY_PATTERN}') || "
    f"(has({_OLD_LABELS}) && k in {_OLD_LABELS}))))"
)


def _same_taint(a: str, b: str) -> str:
    return (
        f"{a}.key == {b}.key && {a}.effect == {b}.effect && "
        f"(has({a}.value) ? {a}.value : '') == (has({b}.value) ? {b}.value : '')"
    )


# The NodeRestriction admission plugin already refuses any taint change by a kubelet; this keeps the
# platform's own taints fenced should that plugin's behaviour ever change.
NODE_TAINTS_UNCHANGED_RULE = (
    "request.operation != 'UPDATE' || ("
    f"(!has(object.spec.taints) || object.spec.taints.all(t, !t.key.matches('{ISOLATION_KEY_PATTERN}') || "
    f"(has(oldObject.spec.taints) && oldObject.spec.taints.exists(o, {_same_taint('o', 't')})))) && "
    f"(!has(oldObject.spec.taints) || oldObject.spec.taints.all(o, !o.key.matches('{ISOLATION_KEY_PATTERN}') || "
    f"(has(object.spec.taints) && object.spec.taints.exists(t, {_same_taint('o', 't')})))))"
)
NODE_USER_CONDITION = f"request.userInfo.username.startsWith('{NODE_USER_PREFIX}')"


def node_isolation_policy(
    resource_name: str, segments: Mapping[str, str], opts: pulumi.ResourceOptions
) -> tuple[
    k8s.admissionregistration.v1.ValidatingAdmissionPolicy,
    k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding,
]:
    """Kubelets may not move their node into another placement: see the rules above.

    `segments` maps each dedicated organization's id to its segment's CIDR (the address plan). Only
    requests by kubelets are judged (a match condition); the platform and EKS label nodes as themselves.
    """
    av1 = k8s.admissionregistration.v1
    policy = av1.ValidatingAdmissionPolicy(
        resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=NODE_ADMISSION_POLICY_NAME),
        spec=av1.ValidatingAdmissionPolicySpecArgs(
            failure_policy="Fail",
            match_constraints=_core_v1_writes(("nodes", "nodes/status")),
            match_conditions=[av1.MatchConditionArgs(name="requests-by-kubelets", expression=NODE_USER_CONDITION)],
            variables=[
                av1.VariableArgs(name=name, expression=expression)
                for name, expression in node_policy_variables(segments).items()
            ],
            validations=[
                av1.ValidationArgs(
                    expression=NODE_REGISTRATION_RULE,
                    message=(
                        f"a node may register with '{ORGANIZATION_LABEL}' only inside that organization's segment, "
                        f"must carry it there, and its '{POOL_LABEL}' must match"
                    ),
                    reason="Forbidden",
                ),
                av1.ValidationArgs(
                    expression=NODE_LABELS_UNCHANGED_RULE,
                    message="a node may not add, remove or change its quome.io/* or *.quome.io/* labels",
                    reason="Forbidden",
                ),
                av1.ValidationArgs(
                    expression=NODE_TAINTS_UNCHANGED_RULE,
                    message="a node may not add, remove or change its quome.io/* or *.quome.io/* taints",
                    reason="Forbidden",
                ),
            ],
        ),
        opts=opts,
    )
    binding = av1.ValidatingAdmissionPolicyBinding(
        f"{resource_name}-binding",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=NODE_ADMISSION_POLICY_NAME),
        spec=av1.ValidatingAdmissionPolicyBindingSpecArgs(
            policy_name=NODE_ADMISSION_POLICY_NAME, validation_actions=["Deny"]
        ),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[policy])),
    )
    return policy, binding


def kubeconfig(cluster_name: str, endpoint: str, certificate_authority: str, region: str) -> str:
    """A kubeconfig that authenticates with `aws eks get-token` as whoever runs `pulumi up` (the deployer)."""
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region, "--output", "json"],
            "interactiveMode": "Never",
        }
    }
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": cluster_name,
                    "cluster": {"server": endpoint, "certificate-authority-data": certificate_authority},
                }
            ],
            "users": [{"name": "deployer", "user": user}],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": "deployer"}}],
            "current-context": cluster_name,
        }
    )
