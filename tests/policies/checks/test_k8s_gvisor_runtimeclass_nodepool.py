"""k8s-gvisor-runtimeclass-nodepool: runsc RuntimeClasses reach only tainted node groups that install gVisor.

The fixture mirrors the platform: a shared sandbox pool, a dedicated organization's pool (labelled and
tainted for the org as well) and an untainted system pool, each on its own launch template.
"""
import base64
import gzip
from types import MappingProxyType

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from hipaa_pack.checks.k8s_gvisor_runtimeclass_nodepool import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

RUNTIME_CLASS = "kubernetes:node.k8s.io/v1:RuntimeClass"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
GVISOR_URN = urn_for(RUNTIME_CLASS, "cluster-runtime-class")

SANDBOX = ("sandbox.quome.io/runtime", "gvisor")
ORG = ("quome.io/organization", "acme")
INSTALL_SCRIPT = """#!/bin/bash
set -euo pipefail
for binary in runsc containerd-shim-runsc-v1; do
  aws s3 cp "s3://quome-artifacts/gvisor/20260817.0/aarch64/${binary}" "/usr/local/bin/${binary}"
done
"""
NODE_CONFIG = """---
apiVersion: node.eks.aws/v1alpha1
kind: NodeConfig
spec:
  containerd:
    config: |
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runsc]
        runtime_type = "io.containerd.runsc.v1"
"""


def mime(*parts):
    body = ["MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="//b//"', ""]
    for content_type, text in parts:
        body += ["--//b//", f'Content-Type: {content_type}; charset="us-ascii"', "", text]
    return "\n".join(body + ["--//b//--", ""])


def b64(text):
    return base64.b64encode(text if isinstance(text, bytes) else text.encode()).decode()


GVISOR_USER_DATA = b64(mime(("text/x-shellscript", INSTALL_SCRIPT), ("application/node.eks.aws", NODE_CONFIG)))


def toleration(key, value, effect="NoSchedule", operator="Equal"):
    return {"key": key, "value": value, "operator": operator, "effect": effect}


def taint(key, value, effect="NO_SCHEDULE"):
    return {"key": key, "value": value, "effect": effect}


def runtime_class(resource_name, class_name, selector, tolerations, handler="runsc"):
    props = {"metadata": {"name": class_name}, "handler": handler}
    if selector is not None:
        props["scheduling"] = {"nodeSelector": dict(selector), "tolerations": list(tolerations)}
    return FakeResource(RUNTIME_CLASS, resource_name, props)


def pool(name, labels, taints, user_data=GVISOR_USER_DATA, joined=True):
    template_props = {"description": f"{name} nodes"}
    if user_data is not None:
        template_props["userData"] = user_data
    group = FakeResource(NODE_GROUP, name, {"labels": dict(labels), "taints": list(taints),
                                            "launchTemplate": {"id": f"lt-{name}", "version": "1"}},
                         property_dependencies={"launchTemplate": f"{name}-lt"} if joined else {})
    return [FakeResource(LAUNCH_TEMPLATE, f"{name}-lt", template_props), group]


SANDBOX_SELECTOR = MappingProxyType(dict([SANDBOX]))
SANDBOX_TOLERATIONS = (toleration(*SANDBOX),)
SANDBOX_TAINTS = (taint(*SANDBOX),)


def stack(selector=SANDBOX_SELECTOR, tolerations=SANDBOX_TOLERATIONS, sandbox_taints=SANDBOX_TAINTS,
          sandbox_user_data=GVISOR_USER_DATA, sandbox_joined=True, acme_class=True,
          acme_user_data=GVISOR_USER_DATA, extra=()):
    resources = [
        runtime_class("cluster-runtime-class", "gvisor", selector, tolerations),
        *pool("cluster-sandbox", dict([SANDBOX, ("quome.io/pool", "sandbox-shared")]), sandbox_taints,
              sandbox_user_data, sandbox_joined),
        *pool("acme-pool", dict([SANDBOX, ORG]), [taint(*SANDBOX), taint(*ORG)], acme_user_data),
        *pool("cluster-system", {"quome.io/pool": "system"}, [], user_data=None),
        *extra,
    ]
    if acme_class:
        resources.append(runtime_class("acme-runtime-class", "gvisor-acme", dict([SANDBOX, ORG]),
                                       [toleration(*SANDBOX), toleration(*ORG)]))
    return stack_args(resources, config=resolved_config(POLICY))


NO_CLASS_SCHEDULES_HERE = "no gVisor RuntimeClass schedules onto this node group"
NOT_A_RUNTIME_POOLS_TEMPLATE = "not the launch template of a node group a gVisor RuntimeClass uses"
SYSTEM_POOL_NOTES = {"cluster-system": NO_CLASS_SCHEDULES_HERE, "cluster-system-lt": NOT_A_RUNTIME_POOLS_TEMPLATE}


def test_passes_for_the_shared_and_the_dedicated_runtime_class():
    outcome = run(POLICY, stack())
    assert outcome.violations == []
    assert outcome.not_applicable_to == SYSTEM_POOL_NOTES


def test_a_pool_behind_a_taint_the_class_does_not_tolerate_is_not_reached():
    # The shared class's nodeSelector also matches the dedicated pool, but the org taint keeps its pods
    # off: that pool is no concern of the shared class, even if it installed nothing.
    outcome = run(POLICY, stack(acme_class=False, acme_user_data=None))
    assert outcome.violations == []
    assert outcome.not_applicable_to == {
        **SYSTEM_POOL_NOTES, "acme-pool": NO_CLASS_SCHEDULES_HERE, "acme-pool-lt": NOT_A_RUNTIME_POOLS_TEMPLATE}


def test_the_dedicated_class_reaches_its_own_pool():
    assert run(POLICY, stack(acme_user_data=None)).violations == [
        ("RuntimeClass 'gvisor-acme': NodeGroup 'acme-pool': LaunchTemplate 'acme-pool-lt' userData is unset; "
         "required user data that installs runsc and containerd-shim-runsc-v1",
         urn_for(RUNTIME_CLASS, "acme-runtime-class"))]


def test_runtime_classes_with_other_handlers_are_listed_as_not_applicable():
    outcome = run(POLICY, stack(extra=[runtime_class("kata-runtime-class", "kata", {}, [], handler="kata-qemu")]))
    assert outcome.violations == []
    assert outcome.not_applicable_to == {
        "kata-runtime-class": "handler is 'kata-qemu', not gVisor's runsc", **SYSTEM_POOL_NOTES}


def test_fails_against_the_stack_without_any_runsc_runtime_class():
    args = stack_args(pool("cluster-sandbox", dict([SANDBOX]), [taint(*SANDBOX)]), config=resolved_config(POLICY))
    outcome = run(POLICY, args)
    assert outcome.violations == [
        ("the stack has no RuntimeClass with handler runsc; required one whose scheduling selects a dedicated, "
         "tainted gVisor NodeGroup", None)]


def test_fails_when_the_runtime_class_has_no_node_selector():
    assert run(POLICY, stack(selector=None)).violations == [
        ("RuntimeClass 'gvisor': scheduling.nodeSelector is unset; required the labels of a dedicated gVisor "
         "NodeGroup, or its pods may run on any node", GVISOR_URN)]


def test_fails_when_the_node_selector_matches_no_node_group():
    assert run(POLICY, stack(selector={"sandbox.quome.io/runtime": "kata"})).messages == [
        "RuntimeClass 'gvisor': scheduling.nodeSelector {\"sandbox.quome.io/runtime\": \"kata\"} matches the labels "
        "of no NodeGroup; required the labels of a dedicated gVisor NodeGroup"]


def test_fails_when_the_tolerations_do_not_tolerate_the_pool_taint():
    assert run(POLICY, stack(tolerations=[toleration(SANDBOX[0], "runc")])).messages == [
        "RuntimeClass 'gvisor': scheduling.tolerations [{\"effect\": \"NoSchedule\", \"key\": "
        "\"sandbox.quome.io/runtime\", \"operator\": \"Equal\", \"value\": \"runc\"}] tolerate the NO_SCHEDULE "
        "and NO_EXECUTE taints of no NodeGroup its nodeSelector matches "
        "('cluster-sandbox' [sandbox.quome.io/runtime=gvisor:"
        "NO_SCHEDULE], 'acme-pool' [sandbox.quome.io/runtime=gvisor:NO_SCHEDULE, quome.io/organization=acme:"
        "NO_SCHEDULE]); required tolerations for the gVisor node group's taint"]


def test_an_exists_toleration_tolerates_any_value_of_its_key():
    assert run(POLICY, stack(tolerations=[toleration(SANDBOX[0], None, operator="Exists")])).violations == []


def test_fails_when_the_matched_pool_is_not_tainted():
    assert run(POLICY, stack(sandbox_taints=())).messages == [
        "RuntimeClass 'gvisor': NodeGroup 'cluster-sandbox' (matched by scheduling.nodeSelector) has no NO_SCHEDULE "
        "taint (taints: unset); required one so that only gVisor pods run there"]


def test_fails_when_the_pool_only_prefers_not_to_schedule():
    taints = [taint(*SANDBOX, effect="PREFER_NO_SCHEDULE")]
    assert run(POLICY, stack(sandbox_taints=taints)).messages == [
        "RuntimeClass 'gvisor': NodeGroup 'cluster-sandbox' (matched by scheduling.nodeSelector) has no NO_SCHEDULE "
        "taint (taints: [sandbox.quome.io/runtime=gvisor:PREFER_NO_SCHEDULE]); required one so that only gVisor "
        "pods run there"]


def test_fails_when_the_pool_is_not_joined_to_a_launch_template():
    outcome = run(POLICY, stack(sandbox_joined=False))
    assert outcome.violations == [
        ("RuntimeClass 'gvisor': NodeGroup 'cluster-sandbox' has no LaunchTemplate (launchTemplate property "
         "dependency); required one whose userData installs runsc and containerd-shim-runsc-v1", GVISOR_URN)]


@pytest.mark.parametrize("user_data, problem", [
    (None, "is unset"),
    ("not base64!", "is not base64"),
    (b64(mime(("text/x-shellscript", "#!/bin/bash\ninstall -m 0755 runsc /usr/local/bin/runsc\n"))),
     "does not install containerd-shim-runsc-v1"),
    (b64(mime(("application/node.eks.aws", NODE_CONFIG + "# containerd-shim-runsc-v1\n"))),
     "has no part of type text/x-shellscript, text/cloud-boothook, text/cloud-config"),
])
def test_fails_when_the_launch_template_does_not_install_gvisor(user_data, problem):
    assert run(POLICY, stack(sandbox_user_data=user_data)).messages == [
        f"RuntimeClass 'gvisor': NodeGroup 'cluster-sandbox': LaunchTemplate 'cluster-sandbox-lt' userData "
        f"{problem}; required user data that installs runsc and containerd-shim-runsc-v1"]


def test_plain_and_gzip_compressed_user_data_are_read_too():
    assert run(POLICY, stack(sandbox_user_data=b64(INSTALL_SCRIPT))).violations == []
    compressed = b64(gzip.compress(mime(("text/x-shellscript", INSTALL_SCRIPT)).encode()))
    assert run(POLICY, stack(sandbox_user_data=compressed)).violations == []


def test_unknown_user_data_during_preview_defers_the_check():
    outcome = run(POLICY, stack(sandbox_user_data=UNKNOWN_STRING_VALUE))
    assert outcome.unknown == "string value at .userData can't be known during preview"
    assert outcome.violations == []
