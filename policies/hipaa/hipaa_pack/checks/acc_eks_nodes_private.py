"""acc-eks-nodes-private: managed node groups allow no SSH and their nodes get no public IPs, neither
from their subnets nor from their launch template."""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import as_bool, as_list, joined, resources_of, shown

CONTROL = CATALOG["acc-eks-nodes-private"]

NODE_GROUP_TOKEN = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE_TOKEN = "aws:ec2/launchTemplate:LaunchTemplate"
SUBNET_TOKEN = "aws:ec2/subnet:Subnet"


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    subnets = {s.urn: s for s in resources_of(args, SUBNET_TOKEN)}
    templates = {t.urn: t for t in resources_of(args, LAUNCH_TEMPLATE_TOKEN)}
    for group in resources_of(args, NODE_GROUP_TOKEN):
        where = f"node group '{group.name}'"
        remote = group.props.get("remoteAccess")
        if isinstance(remote, Mapping) and remote:
            # Only the keys: the security-group ids in it are unknown during preview.
            report_violation(f"{where}: remoteAccess is set ({', '.join(sorted(remote))}); required unset (reach nodes "
                             f"through SSM, not SSH)", group.urn)

        used = [subnets[urn] for urn in joined(group, "subnetIds") if urn in subnets]
        if not used:
            report_violation(f"{where}: subnetIds depend on no subnet of this stack, so their public-IP setting "
                             f"cannot be checked; required the private subnets of components.network.Network",
                             group.urn)
        for subnet in used:
            value = subnet.props.get("mapPublicIpOnLaunch")
            if as_bool(value) is True:
                report_violation(f"{where}: subnet '{subnet.name}' has mapPublicIpOnLaunch {shown(value)}; "
                                 f"required nodes only in subnets that assign no public IPs", group.urn)

        for urn in joined(group, "launchTemplate"):
            template = templates.get(urn)
            if template is None:
                continue
            for index, interface in enumerate(as_list(template.props.get("networkInterfaces"))):
                value = interface.get("associatePublicIpAddress") if isinstance(interface, Mapping) else None
                if as_bool(value) is True:
                    report_violation(f"{where}: launch template '{template.name}' networkInterfaces #{index + 1} "
                                     f"has associatePublicIpAddress {shown(value)}; required unset or false",
                                     template.urn)


POLICY = stack_policy(CONTROL, validate)
