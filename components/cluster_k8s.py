"""Cluster-level Kubernetes objects: gVisor RuntimeClass, default encrypted StorageClass, tenant admission.

Builders take plain values and return typed pulumi_kubernetes resources, so organizations can reuse them
(a dedicated organization's `gvisor-<id>` RuntimeClass, its own StorageClass under its own key).

Tenant namespaces (label `quome.io/tenant: "true"`) carry two more labels, set by the Organization
component: `quome.io/runtime-class` (the RuntimeClass the org's pods must use) and
`quome.io/storage-class` (the org's StorageClass). The ValidatingAdmissionPolicy reads them from the
namespace object: a pod without `runtimeClassName`, or with another one, would run under plain runc
(or on another org's nodes), and a claim on another class could land on another org's key, or on a
class the platform does not manage (such as a `gp2` class EKS may have created, not under a platform key).

A third rule reads the namespace's `quome.io/organization` label: a pod may tolerate the
`quome.io/organization` taint only with `operator: Equal` and its own organization as value, and every
toleration must name a key (a key-less `Exists` toleration tolerates every taint). The RuntimeClasses'
nodeSelectors already keep pods off other organizations' nodes (components/node_pool.py); this rule
keeps a second fence in place should a selector ever drift.
"""

from __future__ import annotations

import json
from typing import Mapping, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.node_pool import ORGANIZATION_LABEL, PoolTaint
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
PVC_STORAGE_CLASS_RULE = (
    "request.resource.resource != 'persistentvolumeclaims' || ("
    "has(object.spec.storageClassName) && ("
    f"object.spec.storageClassName == '{DEFAULT_STORAGE_CLASS}' || ("
    f"{_namespace_label_equals('object.spec.storageClassName', STORAGE_CLASS_LABEL)})))"
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


def _tenant_namespaces() -> k8s.meta.v1.LabelSelectorArgs:
    return k8s.meta.v1.LabelSelectorArgs(match_labels={TENANT_LABEL: "true"})


def tenant_admission_policy(
    resource_name: str, opts: pulumi.ResourceOptions
) -> tuple[k8s.admissionregistration.v1.ValidatingAdmissionPolicy, k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding]:
    """Deny, in tenant namespaces, pods off the namespace's RuntimeClass or tolerating another organization's
    nodes, and claims off its StorageClasses."""
    policy = k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
        resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=ADMISSION_POLICY_NAME),
        spec=k8s.admissionregistration.v1.ValidatingAdmissionPolicySpecArgs(
            failure_policy="Fail",
            match_constraints=k8s.admissionregistration.v1.MatchResourcesArgs(
                namespace_selector=_tenant_namespaces(),
                resource_rules=[
                    k8s.admissionregistration.v1.NamedRuleWithOperationsArgs(
                        api_groups=[""],
                        api_versions=["v1"],
                        operations=["CREATE", "UPDATE"],
                        resources=["pods", "persistentvolumeclaims"],
                    )
                ],
            ),
            validations=[
                k8s.admissionregistration.v1.ValidationArgs(
                    expression=POD_RUNTIME_CLASS_RULE,
                    message=(
                        f"pods in tenant namespaces must set spec.runtimeClassName to the namespace's "
                        f"'{RUNTIME_CLASS_LABEL}' (a gVisor RuntimeClass); without it the pod would run under runc"
                    ),
                    reason="Forbidden",
                ),
                k8s.admissionregistration.v1.ValidationArgs(
                    expression=POD_TOLERATION_RULE,
                    message=(
                        f"pods in tenant namespaces may tolerate '{ORGANIZATION_LABEL}' only with operator Equal and "
                        f"the namespace's own '{ORGANIZATION_LABEL}' value, and every toleration must name a key: "
                        "another organization's dedicated nodes are not theirs"
                    ),
                    reason="Forbidden",
                ),
                k8s.admissionregistration.v1.ValidationArgs(
                    expression=PVC_STORAGE_CLASS_RULE,
                    message=(
                        f"persistent volume claims in tenant namespaces must use the namespace's "
                        f"'{STORAGE_CLASS_LABEL}' or '{DEFAULT_STORAGE_CLASS}'"
                    ),
                    reason="Forbidden",
                ),
            ],
        ),
        opts=opts,
    )
    binding = k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
        f"{resource_name}-binding",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=ADMISSION_POLICY_NAME),
        spec=k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingSpecArgs(
            policy_name=ADMISSION_POLICY_NAME,
            validation_actions=["Deny"],
            match_resources=k8s.admissionregistration.v1.MatchResourcesArgs(namespace_selector=_tenant_namespaces()),
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
            "clusters": [{"name": cluster_name, "cluster": {"server": endpoint, "certificate-authority-data": certificate_authority}}],
            "users": [{"name": "deployer", "user": user}],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": "deployer"}}],
            "current-context": cluster_name,
        }
    )
