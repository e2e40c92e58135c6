"""Optional CloudHSM-backed KMS custom key store (`quome:features.cloudHsm`), built in phases.

No API call can initialise a CloudHSM cluster for us: its CSR must be signed by a certificate
authority the operator controls, and the `kmsuser` crypto user must be created inside the HSMs. So the
store is built in three `pulumi up` runs with manual steps between them:

1. `enabled: true` - creates the cluster and two HSMs in different subnets (the network's isolated
   subnets, one per AZ, so losing an AZ leaves one HSM). Then, by hand: download the cluster CSR, sign it,
   `aws cloudhsmv2 initialize-cluster` with the signed certificate and trust anchor, activate the cluster,
   and create the crypto user `kmsuser` (the name KMS requires) with a strong password.
2. `trustAnchorCertificate` (PEM) + `kmsuserPassword` (a Pulumi secret) - creates the KMS custom key
   store. Then, by hand: `aws kms connect-custom-key-store` and wait until it reports CONNECTED.
3. `keyStoreConnected: true` - creates the keys that live in the store (enterprise organizations' keys,
   components/keys.py). Keys there cannot rotate automatically: docs/runbooks/rotate-cloudhsm-keys.md.

The cluster and the HSMs hold key material: they are stateful leaves (protected in prod).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config import CloudHsm
from components.providers import stateful_options

HSM_TYPES = ("hsm1.medium", "hsm2m.medium")
MIN_HSMS = 2


@dataclass(frozen=True)
class CloudHsmStoreArgs:
    region: str
    subnet_ids: tuple[pulumi.Input[str], ...]
    """Subnets in distinct AZs (pass the network's per-AZ isolated subnets); the first two get an HSM."""
    hsm_type: str = "hsm2m.medium"
    trust_anchor_certificate: str | None = None
    kmsuser_password: str | None = None
    protect: bool = False

    def __post_init__(self) -> None:
        if self.hsm_type not in HSM_TYPES:
            raise ValueError(f"features.cloudHsm.hsmType = {self.hsm_type!r}: allowed are {', '.join(HSM_TYPES)}")
        if len(self.subnet_ids) < MIN_HSMS:
            raise ValueError(
                f"CloudHsmStoreArgs.subnet_ids has {len(self.subnet_ids)} subnet(s): CloudHSM needs subnets in at "
                f"least {MIN_HSMS} availability zones (pass the network's isolated subnets, one per AZ)"
            )
        plain = [s for s in self.subnet_ids if isinstance(s, str)]
        if len(set(plain)) != len(plain):
            raise ValueError(f"CloudHsmStoreArgs.subnet_ids = {plain!r}: each HSM needs its own subnet (AZ)")
        if (self.trust_anchor_certificate is None) != (self.kmsuser_password is None):
            raise ValueError("CloudHsmStoreArgs: trust_anchor_certificate and kmsuser_password go together (phase 2)")

    @classmethod
    def from_settings(
        cls, settings: CloudHsm, region: str, subnet_ids: tuple[pulumi.Input[str], ...], protect: bool
    ) -> "CloudHsmStoreArgs":
        return cls(
            region=region,
            subnet_ids=subnet_ids,
            hsm_type=settings.hsm_type,
            trust_anchor_certificate=settings.trust_anchor_certificate,
            kmsuser_password=settings.kmsuser_password,
            protect=protect,
        )


class CloudHsmStore(pulumi.ComponentResource):
    """The CloudHSM cluster, its two HSMs and (phase 2) the KMS custom key store on top of it."""

    cluster_id: pulumi.Output[str]
    custom_key_store_id: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        args: CloudHsmStoreArgs,
        provider: aws.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("quome:cloudhsm:CloudHsmStore", name, None, opts)
        cluster = aws.cloudhsmv2.Cluster(
            f"{name}-cluster",
            hsm_type=args.hsm_type,
            # hsm2m.medium requires a mode; FIPS keeps the validated-module guarantee auditors ask for.
            mode="FIPS" if args.hsm_type == "hsm2m.medium" else None,
            subnet_ids=list(args.subnet_ids),
            tags={"quome:key-store": "cloudhsm"},
            opts=stateful_options(self, provider, protect=args.protect),
        )
        hsms = [
            aws.cloudhsmv2.Hsm(
                f"{name}-hsm-{index + 1}",
                cluster_id=cluster.id,
                subnet_id=subnet_id,
                opts=stateful_options(self, provider, protect=args.protect),
            )
            for index, subnet_id in enumerate(args.subnet_ids[:MIN_HSMS])
        ]
        self.cluster_id = cluster.id  # the resource id is the cluster id
        self.custom_key_store_id = None
        if args.trust_anchor_certificate is not None and args.kmsuser_password is not None:
            store = aws.kms.CustomKeyStore(
                f"{name}-store",
                custom_key_store_name=f"quome-{args.region}",
                custom_key_store_type="AWS_CLOUDHSM",
                cloud_hsm_cluster_id=cluster.id,
                trust_anchor_certificate=args.trust_anchor_certificate,
                key_store_password=pulumi.Output.secret(args.kmsuser_password),
                opts=stateful_options(self, provider, protect=args.protect, depends_on=hsms),
            )
            self.custom_key_store_id = store.id
        self.register_outputs({"clusterId": self.cluster_id, "customKeyStoreId": self.custom_key_store_id})
