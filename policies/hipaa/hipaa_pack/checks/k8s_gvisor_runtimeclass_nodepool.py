"""k8s-gvisor-runtimeclass-nodepool: gVisor RuntimeClasses land only on dedicated, tainted gVisor nodes.

A RuntimeClass's scheduling block is merged into every pod that names it: nodeSelector pins the pods
to nodes with those labels, tolerations let them past those nodes' taints. The node groups the class
can reach are therefore the NodeGroups whose labels match the nodeSelector and whose NO_SCHEDULE
taints the tolerations all tolerate. Each of them must be dedicated (carry a NO_SCHEDULE taint, so
pods without the class stay off) and boot from a LaunchTemplate whose user data installs runsc and
its containerd shim. NodeGroups join their LaunchTemplate through the launchTemplate property
dependency.
"""
from __future__ import annotations

import base64
import binascii
import email
import gzip
import re
from collections.abc import Mapping
from typing import Any, Optional

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import as_list, dig, joined, k8s_name, resources_of, shown

CONTROL = CATALOG["k8s-gvisor-runtimeclass-nodepool"]

RUNTIME_CLASS_TOKEN = "kubernetes:node.k8s.io/v1:RuntimeClass"
NODE_GROUP_TOKEN = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE_TOKEN = "aws:ec2/launchTemplate:LaunchTemplate"
HANDLER = "runsc"
BINARIES = ("runsc", "containerd-shim-runsc-v1")
# EKS writes taint effects in its own spelling; Kubernetes tolerations use the node's spelling.
KUBERNETES_EFFECT = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}
DEDICATING_EFFECT = "NO_SCHEDULE"
# Taints a pod must tolerate to be scheduled (PreferNoSchedule only discourages).
HARD_EFFECTS = ("NO_SCHEDULE", "NO_EXECUTE")
# User-data parts that run on the node; a NodeConfig part only configures containerd.
EXECUTED_PARTS = ("text/x-shellscript", "text/cloud-boothook", "text/cloud-config")


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    classes = []
    for runtime_class in resources_of(args, RUNTIME_CLASS_TOKEN):
        handler = runtime_class.props.get("handler")
        if handler == HANDLER:
            classes.append(runtime_class)
        else:
            args.not_applicable_to(runtime_class, f"handler is {shown(handler)}, not gVisor's {HANDLER}")
    if not classes:
        report_violation(f"the stack has no RuntimeClass with handler {HANDLER}; required one whose scheduling "
                         f"selects a dedicated, tainted gVisor NodeGroup", None)

    groups = resources_of(args, NODE_GROUP_TOKEN)
    templates = {lt.urn: lt for lt in resources_of(args, LAUNCH_TEMPLATE_TOKEN)}
    reached: set[str] = set()
    for runtime_class in classes:
        for group in _check_class(runtime_class, groups, templates, report_violation):
            reached.add(group.urn)
            reached.update(joined(group, "launchTemplate"))

    for group in groups:
        if group.urn not in reached:
            args.not_applicable_to(group, "no gVisor RuntimeClass schedules onto this node group")
    for template in templates.values():
        if template.urn not in reached:
            args.not_applicable_to(template, "not the launch template of a node group a gVisor RuntimeClass uses")


def _check_class(runtime_class: PolicyResource, groups: list[PolicyResource],
                 templates: Mapping[str, PolicyResource], report_violation: ReportViolation) -> list[PolicyResource]:
    """Report what is wrong with one runsc RuntimeClass; returns the node groups it can reach."""
    where = f"RuntimeClass '{k8s_name(runtime_class.props, runtime_class.name)}'"

    def report(message: str) -> None:
        report_violation(f"{where}: {message}", runtime_class.urn)

    selector = dig(runtime_class.props, "scheduling.nodeSelector")
    if not isinstance(selector, Mapping) or not selector:
        report(f"scheduling.nodeSelector is {shown(selector)}; required the labels of a dedicated gVisor "
               f"NodeGroup, or its pods may run on any node")
        return []
    tolerations = [t for t in as_list(dig(runtime_class.props, "scheduling.tolerations")) if isinstance(t, Mapping)]

    matching = [g for g in groups if _labels_match(selector, g.props.get("labels"))]
    if not matching:
        report(f"scheduling.nodeSelector {shown(selector)} matches the labels of no NodeGroup; required the "
               f"labels of a dedicated gVisor NodeGroup")
        return []
    reachable = [g for g in matching
                 if all(_tolerated(tolerations, taint) for taint in _taints(g) if taint.get("effect") in HARD_EFFECTS)]
    if not reachable:
        taints = ", ".join(f"'{g.name}' {_show_taints(g)}" for g in matching)
        report(f"scheduling.tolerations {shown(tolerations or None)} tolerate the {' and '.join(HARD_EFFECTS)} "
               f"taints of no NodeGroup its nodeSelector matches ({taints}); required tolerations for the gVisor "
               f"node group's taint")
        return []

    for group in reachable:
        if not any(t.get("effect") == DEDICATING_EFFECT for t in _taints(group)):
            report(f"NodeGroup '{group.name}' (matched by scheduling.nodeSelector) has no {DEDICATING_EFFECT} taint "
                   f"(taints: {_show_taints(group)}); required one so that only gVisor pods run there")
        linked = [templates[urn] for urn in joined(group, "launchTemplate") if urn in templates]
        if not linked:
            report(f"NodeGroup '{group.name}' has no LaunchTemplate (launchTemplate property dependency); "
                   f"required one whose userData installs {' and '.join(BINARIES)}")
        for template in linked:
            problem = _user_data_problem(template.props.get("userData"))
            if problem:
                report(f"NodeGroup '{group.name}': LaunchTemplate '{template.name}' userData {problem}; "
                       f"required user data that installs {' and '.join(BINARIES)}")
    return reachable


def _labels_match(selector: Mapping[str, Any], node_labels: Any) -> bool:
    node_labels = node_labels if isinstance(node_labels, Mapping) else {}
    return all(node_labels.get(key) == value for key, value in selector.items())


def _taints(group: PolicyResource) -> list[Mapping[str, Any]]:
    return [t for t in as_list(group.props.get("taints")) if isinstance(t, Mapping)]


def _show_taints(group: PolicyResource) -> str:
    taints = [f"{t.get('key')}={t.get('value') or ''}:{t.get('effect')}" for t in _taints(group)]
    return "[" + ", ".join(taints) + "]" if taints else "unset"


def _tolerated(tolerations: list[Mapping[str, Any]], taint: Mapping[str, Any]) -> bool:
    """Kubernetes' Toleration.ToleratesTaint, with the EKS effect spelling translated."""
    effect = KUBERNETES_EFFECT.get(taint.get("effect"), taint.get("effect"))
    for toleration in tolerations:
        if toleration.get("effect") and toleration.get("effect") != effect:
            continue
        if toleration.get("key") and toleration.get("key") != taint.get("key"):
            continue
        operator = toleration.get("operator") or "Equal"
        if operator == "Exists":
            return True
        if operator == "Equal" and (toleration.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def _user_data_problem(user_data: Any) -> Optional[str]:
    """None when some executed part of the user data names both gVisor binaries; else what is wrong."""
    if not isinstance(user_data, str) or not user_data.strip():
        return f"is {shown(user_data)}"
    try:
        raw = base64.b64decode(user_data, validate=True)
    except (binascii.Error, ValueError):
        return "is not base64"
    if raw[:2] == b"\x1f\x8b":  # cloud-init and nodeadm accept gzip-compressed user data
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError):
            return "is gzip data that does not decompress"
    scripts = _executed_parts(raw.decode("utf-8", errors="replace"))
    if not scripts:
        return f"has no part of type {', '.join(EXECUTED_PARTS)}"
    missing = [b for b in BINARIES if not any(_names_binary(script, b) for script in scripts)]
    return f"does not install {' and '.join(missing)}" if missing else None


def _executed_parts(text: str) -> list[str]:
    if not re.match(r"(?i)(mime-version|content-type):", text.lstrip()):
        return [text]  # a plain script, not a MIME document
    message = email.message_from_string(text)
    parts = message.walk() if message.is_multipart() else [message]
    found = []
    for part in parts:
        if part.get_content_type() in EXECUTED_PARTS:
            payload = part.get_payload(decode=True) or b""
            found.append(payload.decode(part.get_content_charset() or "utf-8", errors="replace"))
    return found


def _names_binary(script: str, binary: str) -> bool:
    # "runsc" must appear on its own, not only inside "containerd-shim-runsc-v1".
    return re.search(rf"(?<![\w-]){re.escape(binary)}(?![\w-])", script) is not None


POLICY = stack_policy(CONTROL, validate)
