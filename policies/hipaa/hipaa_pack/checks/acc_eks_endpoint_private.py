"""acc-eks-endpoint-private: the Kubernetes API is reachable privately, and publicly only from
listed CIDRs, never from the whole internet."""
from __future__ import annotations

import ipaddress

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, as_list, dig, shown

CONTROL = CATALOG["acc-eks-endpoint-private"]



def _is_everywhere(cidr: str) -> bool:
    """0.0.0.0/0, ::/0 and their spellings (0.0.0.0/00, ::0/0)."""
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    cluster = f"EKS cluster '{args.props.get('name') or args.name}'"
    private = dig(args.props, "vpcConfig.endpointPrivateAccess")
    if as_bool(private) is not True:
        report_violation(f"{cluster}: vpcConfig.endpointPrivateAccess is {shown(private)}; required true", None)

    public = dig(args.props, "vpcConfig.endpointPublicAccess")
    if as_bool(public) is False:
        return
    # Unset means public, as in the EKS API; unset CIDRs mean 0.0.0.0/0.
    public_shown = "unset (AWS default true)" if public is None else shown(public)
    cidrs = [str(c).strip() for c in as_list(dig(args.props, "vpcConfig.publicAccessCidrs"))]
    if not cidrs:
        report_violation(f"{cluster}: vpcConfig.endpointPublicAccess is {public_shown} and publicAccessCidrs is "
                         f"unset (AWS default 0.0.0.0/0); required endpointPublicAccess false or a list of "
                         f"operator CIDRs", None)
        return
    open_ = [c for c in cidrs if _is_everywhere(c)]
    if open_:
        report_violation(f"{cluster}: vpcConfig.endpointPublicAccess is {public_shown} and publicAccessCidrs "
                         f"includes {open_[0]}; required endpointPublicAccess false or only operator CIDRs", None)


POLICY = resource_policy(CONTROL, validate)
