"""The stack configuration model: one typed, validated spec built from a stack's Pulumi config.

Everything that shapes resources is decided here, eagerly, as plain Python values. Bad input is a
`ConfigError` that names the file, the key path (`quome:organizations[1].id`), the value and what is
allowed, raised before any resource is created.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Literal, Mapping, Sequence

from pydantic import Field, ValidationError, field_validator, model_validator

from components.address_plan import address_problems
from components.cluster_spec import ClusterSpec
from components.network_spec import NetworkSpec
from components.residency import RESIDENCY_ZONES
from components.spec_base import SpecModel

NAMESPACE = "quome"
REGION_KEY = "aws:region"
MIN_AUDIT_RETENTION_YEARS = 7
"""A platform choice, stricter than HIPAA's six-year documentation rule (45 CFR 164.316(b)(2)(i))."""

# Org ids are embedded in AWS names with tight limits (IAM role names 64, S3 buckets 63, ALB target
# groups 32 characters), so they stay short DNS-1123 labels.
_ORG_ID = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
RESERVED_ORG_IDS: tuple[str, ...] = ("shared", "system")
"""Pool names (components/node_pool.py SHARED_POOL, SYSTEM_POOL): an organization with such an id would
label its dedicated nodes like the shared sandbox pool or the system pool, which admission trusts."""
ORG_ID_MAX_LENGTH = 20
_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
_IAM_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,64}$")
_K8S_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_TAG_KEY = re.compile(r"^[\w .:/=+@-]{1,128}$")
_GUARDDUTY_DETECTOR_ID = re.compile(r"^[0-9a-f]{32}$")
_CONFIG_RECORDER_NAME = re.compile(r"^[\w.-]{1,256}$")

ENVIRONMENTS = ("dev", "staging", "prod")
Environment = Literal["dev", "staging", "prod"]
Tier = Literal["standard", "enterprise"]
Isolation = Literal["shared", "dedicated"]


class ConfigError(ValueError):
    """Invalid stack configuration; `problems` lists every offending key, one message each."""

    def __init__(self, source: str, problems: Sequence[str]):
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{source}: {problem}" for problem in self.problems))


class Quotas(SpecModel):
    """An organization's share of the cluster: its ResourceQuota and LimitRange come from here."""

    cpu: str = "4"
    memory: str = "16Gi"
    pods: int = Field(default=50, ge=1, le=5000)
    storage: str = "100Gi"
    persistent_volume_claims: int = Field(default=20, ge=0, le=1000)

    @field_validator("cpu", "memory", "storage")
    @classmethod
    def _quantity(cls, value: str) -> str:
        if not _K8S_QUANTITY.match(value):
            raise ValueError("must be a Kubernetes quantity such as '4', '500m', '16Gi'")
        return value


class Organization(SpecModel):
    """A tenant organization. Enterprise organizations get dedicated isolation by default."""

    id: str
    display_name: str = Field(min_length=1, max_length=100)
    tier: Tier = "standard"
    residency: str
    quotas: Quotas = Quotas()
    isolation: Isolation | None = None
    """None means: dedicated for tier enterprise, shared otherwise."""
    cidr: str | None = None
    """Explicit supernet for a dedicated organization's segment; None derives it from the id."""

    @field_validator("id")
    @classmethod
    def _dns_label(cls, value: str) -> str:
        if len(value) > ORG_ID_MAX_LENGTH or not _ORG_ID.match(value):
            raise ValueError(
                f"must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending "
                f"with a letter or digit) of at most {ORG_ID_MAX_LENGTH} characters"
            )
        if value in RESERVED_ORG_IDS:
            pools = ", ".join(RESERVED_ORG_IDS)
            raise ValueError(f"is reserved for the platform's node pools ({pools}); choose another id")
        return value

    @property
    def dedicated(self) -> bool:
        """Whether the organization runs on its own nodes in its own VPC segment."""
        if self.isolation is not None:
            return self.isolation == "dedicated"
        return self.tier == "enterprise"


class CloudHsm(SpecModel):
    """Optional CloudHSM-backed custom key store, in two phases (see README, "CloudHSM")."""

    enabled: bool = False
    hsm_type: str = "hsm2m.medium"
    trust_anchor_certificate: str | None = None
    """Phase 2: the PEM of the certificate that signed the cluster's CSR, after initialisation."""
    kmsuser_password: str | None = None
    """Phase 2: password of the `kmsuser` crypto user (a Pulumi secret)."""
    key_store_connected: bool = False
    """Phase 3: the key store was connected (`aws kms connect-custom-key-store`); keys may live in it."""
    key_generation: int = Field(default=1, ge=1, le=100)
    """CloudHSM-backed keys rotate by generation (docs/runbooks/rotate-cloudhsm-keys.md)."""

    @model_validator(mode="after")
    def _phase_two_is_complete(self) -> "CloudHsm":
        if (self.trust_anchor_certificate is None) != (self.kmsuser_password is None):
            raise ValueError(
                "trustAnchorCertificate and kmsuserPassword go together (phase 2): set both or neither"
            )
        if self.trust_anchor_certificate is not None and not self.enabled:
            raise ValueError("phase 2 settings need enabled: true")
        if self.key_store_connected and self.trust_anchor_certificate is None:
            raise ValueError(
                "keyStoreConnected (phase 3) needs the phase 2 settings trustAnchorCertificate and kmsuserPassword"
            )
        return self

    @property
    def key_store_ready(self) -> bool:
        """Phase 2: the cluster is initialised and KMS may connect the custom key store."""
        return self.enabled and self.trust_anchor_certificate is not None

    @property
    def hsm_keys_ready(self) -> bool:
        """Phase 3: the store is connected and keys may be created in it."""
        return self.key_store_ready and self.key_store_connected


class Features(SpecModel):
    cloud_hsm: CloudHsm = CloudHsm()


class AdoptExisting(SpecModel):
    """Account and region singletons that already exist and belong to someone else (AWS itself for the
    service-linked roles; Control Tower or a delegated administrator for GuardDuty, AWS Config and Security
    Hub). An adopted singleton is referenced, never created nor configured by this stack; its owner keeps
    it (and its settings) compliant. The default is to create each one, as in a new account: adopting is
    an explicit choice per singleton. To take an existing singleton over instead, leave it at "create" and
    `pulumi import` it (README, "Adopting existing account singletons")."""

    autoscaling_service_linked_role: bool = False
    """AWSServiceRoleForAutoScaling exists (any account that ever ran an Auto Scaling group has it)."""
    config_service_linked_role: bool = False
    """AWSServiceRoleForConfig exists."""
    guard_duty_detector_id: str | None = None
    """The region's existing GuardDuty detector; its owner manages its protection plans."""
    config_recorder_name: str | None = None
    """The region's existing AWS Config recorder; its owner also owns the delivery channel (one per region),
    so nothing of AWS Config is created and Config delivers nothing into this stack's audit bucket."""
    security_hub: bool = False
    """Security Hub is already enabled; its owner manages the standards."""

    @field_validator("guard_duty_detector_id")
    @classmethod
    def _detector_id(cls, value: str | None) -> str | None:
        if value is not None and not _GUARDDUTY_DETECTOR_ID.match(value):
            raise ValueError(
                "must be a GuardDuty detector id: 32 lower-case hex characters (aws guardduty list-detectors)"
            )
        return value

    @field_validator("config_recorder_name")
    @classmethod
    def _recorder_name(cls, value: str | None) -> str | None:
        if value is not None and not _CONFIG_RECORDER_NAME.match(value):
            raise ValueError(
                "must be an AWS Config recorder name: 1-256 letters, digits, '_', '.' or '-' "
                "(aws configservice describe-configuration-recorders)"
            )
        return value

    @property
    def adopted(self) -> tuple[str, ...]:
        """The config keys of every adopted singleton, in declaration order."""
        fields = type(self).model_fields
        return tuple(fields[name].alias or name for name in fields if getattr(self, name) not in (None, False))


class PlatformSpec(SpecModel):
    """The whole validated configuration of one stack."""

    environment: Environment
    region: str
    account_id: str
    residency: str
    deployer_role_arn: str
    """Role `pulumi up` runs as: key administrator and the cluster's only admin access entry."""
    break_glass_role_arn: str
    """The emergency role, kept out of day-to-day use: a key administrator (with the deployer), and the only
    principal the audit buckets' policies let change object lock or versioning or delete objects and
    versions, and the only one the backup vault's policy lets change or remove the vault lock or its
    access policy. Compliance-mode retention binds it too: it can lengthen, never shorten or unlock."""
    owns_account_baseline: bool = False
    """Whether this stack creates the account/region singletons (EBS default encryption, ...)."""
    audit_retention_years: int = Field(default=MIN_AUDIT_RETENTION_YEARS, le=100)
    key_rotation_days: int = Field(default=365, ge=90, le=2560)
    """KMS automatic rotation period; AWS accepts 90 to 2560 days."""
    organizations: tuple[Organization, ...] = ()
    features: Features = Features()
    adopt_existing: AdoptExisting = AdoptExisting()
    """Account/region singletons that exist already (default: none, every one is created)."""
    tags: dict[str, str] = Field(default_factory=dict)
    network: NetworkSpec = NetworkSpec()
    cluster: ClusterSpec

    @field_validator("account_id")
    @classmethod
    def _account(cls, value: str) -> str:
        if not _ACCOUNT_ID.match(value):
            raise ValueError("must be a 12-digit AWS account id, quoted as a string")
        return value

    @field_validator("residency")
    @classmethod
    def _zone(cls, value: str) -> str:
        if value not in RESIDENCY_ZONES:
            raise ValueError(f"must be one of the residency zones {sorted(RESIDENCY_ZONES)}")
        return value

    @field_validator("audit_retention_years")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value < MIN_AUDIT_RETENTION_YEARS:
            raise ValueError(
                f"must be at least {MIN_AUDIT_RETENTION_YEARS} years (platform minimum, stricter than HIPAA's 6)"
            )
        return value

    @field_validator("deployer_role_arn", "break_glass_role_arn")
    @classmethod
    def _role_arn(cls, value: str) -> str:
        if not _IAM_ROLE_ARN.match(value):
            raise ValueError("must be an IAM role ARN such as arn:aws:iam::123456789012:role/name")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not _TAG_KEY.match(key) or key.lower().startswith("aws:"):
                raise ValueError(
                    f"tag key {key!r} must be 1-128 characters of letters, digits, spaces and _.:/=+-@, "
                    "not starting with 'aws:'"
                )
        return value


@dataclass(frozen=True)
class LoadedSpec:
    """A validated spec with the file it came from (for cross-stack checks and messages)."""

    stack: str
    source: str
    spec: PlatformSpec


def _path(loc: Iterable[Any]) -> str:
    parts = list(loc)
    if not parts:
        return f"{NAMESPACE}:"
    head, rest = parts[0], parts[1:]
    text = REGION_KEY if head == "region" else f"{NAMESPACE}:{head}"
    for part in rest:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _describe(error: Mapping[str, Any]) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{_path(error['loc'])}: unknown key (check the spelling; allowed keys are listed in the README)"
    if kind == "missing":
        return f"{_path(error['loc'])}: required key is missing"
    return f"{_path(error['loc'])} = {json.dumps(error.get('input'), default=str)}: {message}"


def _cross_field_problems(spec: PlatformSpec) -> list[str]:
    problems = []
    zone_regions = RESIDENCY_ZONES[spec.residency]
    if spec.region not in zone_regions:
        problems.append(
            f"{REGION_KEY} = {json.dumps(spec.region)}: must be a region of residency zone "
            f"'{spec.residency}': {', '.join(zone_regions)}"
        )
    seen: dict[str, int] = {}
    for index, org in enumerate(spec.organizations):
        if org.id in seen:
            problems.append(
                f"{NAMESPACE}:organizations[{index}].id = {json.dumps(org.id)}: duplicate organization id "
                f"(already used by organizations[{seen[org.id]}])"
            )
        seen.setdefault(org.id, index)
        if org.residency != spec.residency:
            problems.append(
                f"{NAMESPACE}:organizations[{index}].residency = {json.dumps(org.residency)}: must equal the "
                f"stack's residency '{spec.residency}' (an organization's data stays in its zone's stack)"
            )
    role_arns = (("deployerRoleArn", spec.deployer_role_arn), ("breakGlassRoleArn", spec.break_glass_role_arn))
    for role_key, arn in role_arns:
        if arn.split(":")[4] != spec.account_id:
            problems.append(
                f"{NAMESPACE}:{role_key} = {json.dumps(arn)}: must be a role of the stack's account {spec.account_id}"
            )
    if not spec.owns_account_baseline:
        for key in spec.adopt_existing.adopted:
            problems.append(
                f"{NAMESPACE}:adoptExisting.{key} is set but {NAMESPACE}:ownsAccountBaseline is false: only the "
                "stack that owns the account baseline creates (or adopts) the account singletons"
            )
    if spec.network.single_nat_gateway and spec.environment == "prod":
        problems.append(
            f"{NAMESPACE}:network.singleNatGateway = true: not allowed in prod (one AZ outage would cut all egress)"
        )
    problems.extend(address_problems(spec.network, spec.organizations))
    return problems


def _decode(key: str, value: Any) -> Any:
    """Pulumi hands structured config to programs as JSON text; stack files hold it as YAML."""
    if isinstance(value, str) and value[:1] in ("{", "[") and key != REGION_KEY:
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def parse_spec(raw_config: Mapping[str, Any], source: str) -> PlatformSpec:
    """Validate a stack's config mapping (`aws:region`, `quome:*` keys) into a PlatformSpec."""
    document: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in raw_config.items():
        namespace, _, name = key.partition(":")
        if key == REGION_KEY:
            document["region"] = value
        elif namespace == NAMESPACE:
            if name == "region":
                problems.append(f"{key}: unknown key (the stack region is {REGION_KEY})")
                continue
            document[name] = _decode(key, value)
    if REGION_KEY not in raw_config:
        problems.append(f"{REGION_KEY}: required key is missing")
    try:
        spec = PlatformSpec.model_validate(document)
    except ValidationError as error:
        problems.extend(_describe(e) for e in error.errors())
        raise ConfigError(source, problems) from None
    problems.extend(_cross_field_problems(spec))
    if problems:
        raise ConfigError(source, problems)
    return spec


def check_stacks_together(loaded: Sequence[LoadedSpec]) -> None:
    """Rules that span stack files: one baseline owner per account and region, one zone per account."""
    problems: list[str] = []
    baseline_owner: dict[tuple[str, str], LoadedSpec] = {}
    zone_of_account: dict[str, LoadedSpec] = {}
    for item in loaded:
        spec = item.spec
        if spec.owns_account_baseline:
            key = (spec.account_id, spec.region)
            if key in baseline_owner:
                problems.append(
                    f"{item.source}: {NAMESPACE}:ownsAccountBaseline = true: account {spec.account_id} in "
                    f"{spec.region} already has its baseline owned by stack '{baseline_owner[key].stack}' "
                    f"({baseline_owner[key].source}); exactly one stack may own it"
                )
            else:
                baseline_owner[key] = item
        other = zone_of_account.setdefault(spec.account_id, item)
        if other.spec.residency != spec.residency:
            problems.append(
                f"{item.source}: {NAMESPACE}:accountId = \"{spec.account_id}\": account already serves residency "
                f"zone '{other.spec.residency}' (stack '{other.stack}'); each zone needs its own account(s)"
            )
    if problems:
        raise ConfigError("stacks", problems)
