"""The NetworkPolicies of every tenant namespace, as pure builders of typed Kubernetes args.

Kubernetes NetworkPolicies are additive allow-lists: once any policy selects a pod for a direction,
only traffic some policy allows passes. So one policy denies everything in both directions and each
of the others opens exactly one path; a reader (or a test) can see every path by name. The VPC CNI
enforces them only with its network-policy agent on (the cluster's vpc-cni add-on configuration).

Paths opened:
- `allow-dns`: egress to CoreDNS (kube-system pods labelled k8s-app=kube-dns) on UDP and TCP 53.
- `allow-same-namespace`: ingress from and egress to pods of the same namespace, nothing wider.
- `allow-edge-ingress`: ingress from the load-balancer tier (the VPC's public subnets, where only
  the ALB and NAT gateways live; a NAT gateway never opens connections inward) to pods that opt in
  with the label `quome.io/edge: "true"`, TCP only. The ALB sends to pod IPs (IP targets), so the
  source is one of those subnets' addresses; an ipBlock names them without trusting any in-cluster
  ingress controller namespace, which a tenant label could impersonate.
- `allow-pod-identity-agent`: egress to the EKS Pod Identity agent, a link-local address on every
  node (169.254.170.23, TCP 80); without it a default-deny namespace gets no AWS credentials.
- `allow-vpc-endpoints`: egress on TCP 443 to the subnets holding the VPC's interface endpoints
  (KMS, Secrets Manager, STS, ...), so pods reach AWS APIs privately.

Egress to the internet is not opened: the platform's default for PHI workloads is no path out.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Sequence

import pulumi_kubernetes as k8s

POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32"
POD_IDENTITY_AGENT_PORT = 80
EDGE_POD_LABEL = ("quome.io/edge", "true")
"""Pods carrying this label accept connections from the load-balancer tier."""
DNS_NAMESPACE = "kube-system"
DNS_POD_LABEL = ("k8s-app", "kube-dns")
# Set by the API server on every namespace (since 1.21) and not writable by tenants.
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

POLICY_NAMES: tuple[str, ...] = (
    "default-deny",
    "allow-dns",
    "allow-same-namespace",
    "allow-edge-ingress",
    "allow-pod-identity-agent",
    "allow-vpc-endpoints",
)


def _selector(labels: dict[str, str] | None = None) -> k8s.meta.v1.LabelSelectorArgs:
    """An empty selector selects every pod (or namespace); never None, which would mean "none"."""
    return k8s.meta.v1.LabelSelectorArgs(match_labels=labels or {})


def _tcp(port: int | None = None) -> k8s.networking.v1.NetworkPolicyPortArgs:
    return k8s.networking.v1.NetworkPolicyPortArgs(protocol="TCP", port=port)


def _ip_blocks(cidrs: Sequence[str]) -> list[k8s.networking.v1.NetworkPolicyPeerArgs]:
    return [k8s.networking.v1.NetworkPolicyPeerArgs(ip_block=k8s.networking.v1.IPBlockArgs(cidr=c)) for c in cidrs]


def validate_cidrs(field_name: str, cidrs: Sequence[str], *, allow_empty: bool = False) -> tuple[str, ...]:
    """Plain IPv4 CIDRs, none of them "everything"; the message names the field and the bad value."""
    if not cidrs and not allow_empty:
        raise ValueError(
            f"{field_name} must name at least one CIDR (an empty list would open nothing and hide a wiring bug)"
        )
    for cidr in cidrs:
        try:
            network = ipaddress.IPv4Network(cidr, strict=True)
        except ValueError as error:
            raise ValueError(f"{field_name}: {cidr!r} is not an IPv4 network in CIDR notation ({error})") from None
        if network.prefixlen == 0:
            raise ValueError(f"{field_name}: {cidr!r} would allow every address; name the subnets instead")
        if not network.is_private:
            raise ValueError(f"{field_name}: {cidr!r} is not a private range; tenant paths stay inside the VPC")
    return tuple(cidrs)


@dataclass(frozen=True)
class NetworkPolicyInputs:
    """What the namespace's policies need from the network: plain CIDRs, validated eagerly."""

    edge_cidrs: tuple[str, ...]
    """CIDRs of the load-balancer tier (the VPC's public subnets)."""
    endpoint_cidrs: tuple[str, ...]
    """CIDRs of the subnets holding the VPC's interface endpoints."""

    def __post_init__(self) -> None:
        validate_cidrs("edge_cidrs", self.edge_cidrs)
        validate_cidrs("endpoint_cidrs", self.endpoint_cidrs)


def network_policy_specs(inputs: NetworkPolicyInputs) -> dict[str, k8s.networking.v1.NetworkPolicySpecArgs]:
    """Name -> spec of every policy of a tenant namespace, in POLICY_NAMES order."""
    np = k8s.networking.v1
    specs = {
        "default-deny": np.NetworkPolicySpecArgs(
            pod_selector=_selector(),
            policy_types=["Ingress", "Egress"],
        ),
        "allow-dns": np.NetworkPolicySpecArgs(
            pod_selector=_selector(),
            policy_types=["Egress"],
            egress=[
                np.NetworkPolicyEgressRuleArgs(
                    to=[
                        # One peer with both selectors: CoreDNS pods *in* kube-system, not any pod
                        # labelled kube-dns anywhere (a tenant could label its own pod so).
                        np.NetworkPolicyPeerArgs(
                            namespace_selector=_selector({NAMESPACE_NAME_LABEL: DNS_NAMESPACE}),
                            pod_selector=_selector(dict([DNS_POD_LABEL])),
                        )
                    ],
                    ports=[np.NetworkPolicyPortArgs(protocol="UDP", port=53), _tcp(53)],
                )
            ],
        ),
        "allow-same-namespace": np.NetworkPolicySpecArgs(
            pod_selector=_selector(),
            policy_types=["Ingress", "Egress"],
            # A podSelector without namespaceSelector means "pods of this policy's namespace".
            ingress=[np.NetworkPolicyIngressRuleArgs(from_=[np.NetworkPolicyPeerArgs(pod_selector=_selector())])],
            egress=[np.NetworkPolicyEgressRuleArgs(to=[np.NetworkPolicyPeerArgs(pod_selector=_selector())])],
        ),
        "allow-edge-ingress": np.NetworkPolicySpecArgs(
            pod_selector=_selector(dict([EDGE_POD_LABEL])),
            policy_types=["Ingress"],
            ingress=[np.NetworkPolicyIngressRuleArgs(from_=_ip_blocks(inputs.edge_cidrs), ports=[_tcp()])],
        ),
        "allow-pod-identity-agent": np.NetworkPolicySpecArgs(
            pod_selector=_selector(),
            policy_types=["Egress"],
            egress=[
                np.NetworkPolicyEgressRuleArgs(
                    to=_ip_blocks([POD_IDENTITY_AGENT_CIDR]), ports=[_tcp(POD_IDENTITY_AGENT_PORT)]
                )
            ],
        ),
        "allow-vpc-endpoints": np.NetworkPolicySpecArgs(
            pod_selector=_selector(),
            policy_types=["Egress"],
            egress=[np.NetworkPolicyEgressRuleArgs(to=_ip_blocks(inputs.endpoint_cidrs), ports=[_tcp(443)])],
        ),
    }
    return specs
