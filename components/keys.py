"""Key management: one customer-managed KMS key per purpose and per organization, and every key policy.

This component is the only writer of key policies. Other components never attach a policy to a key;
they publish what they need as `KeyUseGrant`s from a pure `key_grants(spec)` function in their own
module, and the platform gathers those grants before building the keys.

How the policies are shaped (and why):
- Administration goes to named roles (the deployer, plus the break-glass role so that losing one role
  never orphans a key). Administrators get no Encrypt/Decrypt, and no statement grants `kms:*`. Their
  actions are listed one by one, key-scoped only: a wildcard such as `kms:Create*` would include
  `kms:CreateGrant`, with which an administrator could grant itself Decrypt. They may create grants only
  for AWS resources (`kms:GrantIsForAWSResource`: an integrated service such as EKS or EBS asks on their
  behalf). KMS refuses a policy that would lock out the caller of PutKeyPolicy; the deployer keeps
  `kms:PutKeyPolicy`, so that safety check passes and is never bypassed.
- There is no "Enable IAM policies" statement (`kms:*` to the account root): an IAM policy alone can
  never open a key. Principals use a key only through a statement here, and only through an AWS service
  (`kms:ViaService`) of this region, from this account (`kms:CallerAccount`). A grant's statement names
  the account root, which means "any principal of this account whose own IAM policy also allows it";
  a grant with named principals narrows that to them by `ArnEquals` on `aws:PrincipalArn`. They are not
  put in `Principal`: KMS refuses a key policy whose Principal names a role that does not exist yet, and
  the keys come first (the organizations' workload roles are created after them). KMS does not check
  condition values, and a role deleted and re-created under the same name matches again, where a
  Principal would have turned into the old role's unique id.
- AWS service principals are scoped by `aws:SourceAccount`/`aws:SourceArn` and, where the service sets
  one, by its encryption context (CloudTrail, CloudWatch Logs).
- Secrets Manager writers (the organizations' owner and admin roles on their org key, the deployer on the
  platform `secrets` key) get GenerateDataKey/Encrypt/Decrypt only for secrets under their prefix
  (`kms:EncryptionContext:SecretARN`, which Secrets Manager always sends); DescribeKey carries no
  encryption context, so it gets its own statement without that condition.

CloudHSM (optional, `features.cloudHsm`): see components/cloudhsm.py for the phases. Once the custom key
store is connected, each enterprise organization's key moves into it: a new key is created in the store
and the organization's alias points at it; the organization's earlier AWS-KMS key stays (same policy) so
that data it encrypted remains readable. Keys in a custom key store cannot rotate automatically, so they
rotate by generation (`features.cloudHsm.keyGeneration`): docs/runbooks/rotate-cloudhsm-keys.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, Sequence

import pulumi
import pulumi_aws as aws

from components.cloudhsm import CloudHsmStore, CloudHsmStoreArgs
from components.config import CloudHsm, PlatformSpec
from components.providers import child_options, stateful_options

PARTITION = "aws"
KEY_PURPOSES: tuple[str, ...] = ("logs", "storage", "secrets", "cluster")
ORG_KEY_PREFIX = "org:"
DELETION_WINDOW_DAYS = 30
"""The longest window KMS allows: a scheduled deletion can be noticed and cancelled for a month."""

KEY_USE_ACTIONS: tuple[str, ...] = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
)
"""What a grant may allow. Anything administrative or `kms:*` is refused."""

KEY_ADMIN_ACTIONS: tuple[str, ...] = (
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:ListKeyPolicies",
    "kms:PutKeyPolicy",
    "kms:UpdateKeyDescription",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:GetKeyRotationStatus",
    "kms:ListKeyRotations",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:RotateKeyOnDemand",
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
    "kms:ListResourceTags",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ListGrants",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
)
"""Key-scoped administration, one action at a time: no wildcard (`kms:Create*` would include
CreateGrant), no cryptographic use. Account-scoped actions (CreateKey, ListKeys, ListAliases) belong in
the administrators' IAM policies, not in a key policy. CreateGrant comes separately, for AWS resources only."""

SECRETS_WRITER_ACTIONS: tuple[str, ...] = ("kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt", "kms:DescribeKey")
"""What writing a secret needs of its key through Secrets Manager: a data key for each new value
(CreateSecret, PutSecretValue, rotation), Encrypt and Decrypt to re-encrypt versions on UpdateSecret."""
PLATFORM_SECRETS_PREFIX = "quome/platform/"
"""The platform's own secrets, encrypted with the `secrets` key; each organization's live under `quome/<org>/`."""
ACTIONS_WITHOUT_ENCRYPTION_CONTEXT: tuple[str, ...] = ("kms:DescribeKey",)
"""Requests that carry no encryption context: a condition on one would never match them."""

_SERVICE_SHORT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SID_UNSAFE = re.compile(r"[^A-Za-z0-9]")
_SID = re.compile(r"^[A-Za-z0-9]+$")
_CONTEXT_KEY = re.compile(r"^[A-Za-z0-9_.:/-]+$")


def autoscaling_service_linked_role_arn(account_id: str) -> str:
    """The EC2 Auto Scaling service-linked role (managed node groups launch instances with it)."""
    return (
        f"arn:{PARTITION}:iam::{account_id}:role/aws-service-role/autoscaling.amazonaws.com/"
        "AWSServiceRoleForAutoScaling"
    )


def org_key(org_id: str) -> str:
    """The grant/lookup name of an organization's key."""
    return f"{ORG_KEY_PREFIX}{org_id}"


@dataclass(frozen=True)
class KeyUseGrant:
    """A request to use one key through AWS services; the Keys component turns it into policy statements.

    `key` is a purpose ("logs", "storage", "secrets", "cluster") or `org_key(org_id)`. `via_services`
    are short service names ("ec2", "eks", "secretsmanager"), expanded to `<svc>.<region>.amazonaws.com`.
    Empty `principal_arns` means any principal of the stack's account, still subject to its IAM policies;
    named ones need not exist yet (they become an `aws:PrincipalArn` condition, not a Principal).
    `allow_create_grant` adds `kms:CreateGrant` limited to grants for AWS resources
    (`kms:GrantIsForAWSResource`), which EBS and EKS need to attach encrypted volumes.
    `encryption_context` pairs (key, pattern) become `StringLike kms:EncryptionContext:<key>` conditions,
    e.g. ("SecretARN", "arn:aws:secretsmanager:...:secret:quome/acme/*"): the key then works only for
    requests about those resources (DescribeKey, which carries no context, gets its own statement).
    `sid` names the statement; by default it is "UseVia<Services>", numbered when repeated.
    """

    key: str
    via_services: tuple[str, ...]
    actions: tuple[str, ...] = KEY_USE_ACTIONS
    allow_create_grant: bool = False
    principal_arns: tuple[str, ...] = ()
    encryption_context: tuple[tuple[str, str], ...] = ()
    sid: str | None = None

    def __post_init__(self) -> None:
        for name in ("via_services", "actions", "principal_arns", "encryption_context"):
            if not isinstance(getattr(self, name), tuple):
                raise TypeError(f"KeyUseGrant.{name} must be a tuple, got {type(getattr(self, name)).__name__}")
        if self.sid is not None and not _SID.match(self.sid):
            raise ValueError(f"KeyUseGrant(key={self.key!r}).sid = {self.sid!r}: letters and digits only")
        seen: set[str] = set()
        for pair in self.encryption_context:
            well_formed = isinstance(pair, tuple) and len(pair) == 2
            if not (well_formed and all(isinstance(part, str) and part for part in pair)):
                raise ValueError(
                    f"KeyUseGrant(key={self.key!r}).encryption_context contains {pair!r}: each entry is a "
                    "(context key, value pattern) pair of non-empty strings"
                )
            if not _CONTEXT_KEY.match(pair[0]) or pair[0] in seen:
                raise ValueError(
                    f"KeyUseGrant(key={self.key!r}).encryption_context key {pair[0]!r}: must be unique and made of "
                    "letters, digits and _ . : / -"
                )
            seen.add(pair[0])
        if self.encryption_context and self.allow_create_grant:
            raise ValueError(
                f"KeyUseGrant(key={self.key!r}): encryption_context and allow_create_grant do not go together "
                "(a grant for an AWS resource is not bound to one encryption context); ask for two grants"
            )
        if not self.via_services:
            raise ValueError(
                f"KeyUseGrant(key={self.key!r}).via_services is empty: name the AWS services that use the key "
                "(short names such as 'ec2', 'eks', 'secretsmanager'); direct use outside a service is not granted"
            )
        for service in self.via_services:
            if not _SERVICE_SHORT_NAME.match(service):
                raise ValueError(
                    f"KeyUseGrant(key={self.key!r}).via_services contains {service!r}: use the short service name "
                    "(lower-case letters, digits, '-'; e.g. 'ec2'), it is expanded to <service>.<region>.amazonaws.com"
                )
        if not self.actions:
            raise ValueError(f"KeyUseGrant(key={self.key!r}).actions is empty; allowed: {', '.join(KEY_USE_ACTIONS)}")
        for action in self.actions:
            if action not in KEY_USE_ACTIONS:
                raise ValueError(
                    f"KeyUseGrant(key={self.key!r}).actions contains {action!r}: "
                    f"allowed are {', '.join(KEY_USE_ACTIONS)} "
                    "(CreateGrant through allow_create_grant; administration is never granted)"
                )


def secret_arn_pattern(region: str, account_id: str, prefix: str) -> str:
    """Every secret whose name starts with `prefix`; the `*` also covers the suffix Secrets Manager appends."""
    return f"arn:{PARTITION}:secretsmanager:{region}:{account_id}:secret:{prefix}*"


def secrets_writer_grant(
    key: str, region: str, account_id: str, prefix: str, writer_arns: tuple[str, ...]
) -> KeyUseGrant:
    """Let `writer_arns` create, update and rotate secrets under `prefix` with `key`, through Secrets
    Manager only, and only for those secrets (Secrets Manager sends the secret's ARN as encryption context)."""
    return KeyUseGrant(
        key=key,
        via_services=("secretsmanager",),
        actions=SECRETS_WRITER_ACTIONS,
        principal_arns=writer_arns,
        encryption_context=(("SecretARN", secret_arn_pattern(region, account_id, prefix)),),
        sid="SecretsManagerWriters",
    )


def key_grants(spec: PlatformSpec) -> tuple[KeyUseGrant, ...]:
    """The platform's own secrets (`quome/platform/`) are written by the deployer with the `secrets` key.

    Without it the key had administrators only, and Secrets Manager could not encrypt anything with it.
    """
    return (
        secrets_writer_grant(
            "secrets", spec.region, spec.account_id, PLATFORM_SECRETS_PREFIX, (spec.deployer_role_arn,)
        ),
    )


GrantSource = Callable[[PlatformSpec], Sequence[KeyUseGrant]]


def gather_grants(spec: PlatformSpec, sources: Iterable[GrantSource]) -> tuple[KeyUseGrant, ...]:
    """Every source's grants in order, exact duplicates once (two modules may need the same use)."""
    return tuple(dict.fromkeys(grant for source in sources for grant in source(spec)))


@dataclass(frozen=True)
class KeysArgs:
    """Everything that shapes the keys and their policies, as plain validated values."""

    account_id: str
    region: str
    environment: str
    admin_role_arns: tuple[str, ...]
    """Key administrators; the first must be the role that runs `pulumi up` (it writes the policies)."""
    cloudtrail_arn: str
    """The audit trail (components/audit_trail.py `trail_arn`): the only trail that may encrypt with the logs key."""
    organization_ids: tuple[str, ...] = ()
    rotation_period_days: int = 365
    grants: tuple[KeyUseGrant, ...] = ()
    autoscaling_key_purposes: tuple[str, ...] = ("storage",)
    """Keys that EC2 Auto Scaling's service-linked role may use: node volumes encrypted with any other key
    would never launch. Add `org_key(id)` here if a dedicated pool encrypts its volumes with its org key."""
    create_autoscaling_role: bool = False
    """Create the Auto Scaling service-linked role (IAM, account-global: only one stack per account may)."""
    allow_config_delivery: bool = False
    """Let AWS Config encrypt what it delivers to the audit bucket with the logs key (baseline stacks)."""
    cloud_hsm: CloudHsm = field(default_factory=CloudHsm)
    hsm_organization_ids: tuple[str, ...] = ()
    """Organizations whose key moves into the CloudHSM store once it is connected."""
    protect: bool = False
    retain_logs_key: bool = False
    """Keep the logs key when the stack is destroyed: it decrypts the retained, object-locked audit data."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[0-9]{12}", self.account_id):
            raise ValueError(f"KeysArgs.account_id = {self.account_id!r}: must be a 12-digit AWS account id")
        if not 90 <= self.rotation_period_days <= 2560:
            raise ValueError(
                f"KeysArgs.rotation_period_days = {self.rotation_period_days}: KMS accepts 90 to 2560 days"
            )
        if not self.cloudtrail_arn.startswith(f"arn:{PARTITION}:cloudtrail:{self.region}:{self.account_id}:trail/"):
            raise ValueError(
                f"KeysArgs.cloudtrail_arn = {self.cloudtrail_arn!r}: "
                f"must be a trail of account {self.account_id} in {self.region}"
            )
        if not self.admin_role_arns:
            raise ValueError("KeysArgs.admin_role_arns is empty: a key without an administrator can never be managed")
        for arn in self.admin_role_arns:
            if not arn.startswith(f"arn:{PARTITION}:iam::{self.account_id}:role/"):
                raise ValueError(
                    f"KeysArgs.admin_role_arns contains {arn!r}: must be an IAM role of account {self.account_id}"
                )
        if len(set(self.organization_ids)) != len(self.organization_ids):
            raise ValueError(f"KeysArgs.organization_ids = {self.organization_ids!r}: ids must be unique")
        known = self.key_names
        for purpose in self.autoscaling_key_purposes:
            if purpose not in known:
                raise ValueError(
                    f"KeysArgs.autoscaling_key_purposes contains {purpose!r}: allowed are {', '.join(known)}"
                )
        for org_id in self.hsm_organization_ids:
            if org_id not in self.organization_ids:
                raise ValueError(
                    f"KeysArgs.hsm_organization_ids contains {org_id!r}: not one of the organizations "
                    f"{', '.join(self.organization_ids) or '(none)'}"
                )
        for grant in self.grants:
            if grant.key not in known:
                raise ValueError(f"KeyUseGrant.key = {grant.key!r}: allowed are {', '.join(known)}")
            for arn in grant.principal_arns:
                if not re.match(rf"^arn:{PARTITION}:iam::{self.account_id}:(role|user)/", arn):
                    raise ValueError(
                        f"KeyUseGrant(key={grant.key!r}).principal_arns contains {arn!r}: must be an IAM role or "
                        f"user of the stack's account {self.account_id} (keys are never shared across accounts)"
                    )

    @property
    def key_names(self) -> tuple[str, ...]:
        return KEY_PURPOSES + tuple(org_key(org_id) for org_id in self.organization_ids)

    @classmethod
    def from_spec(
        cls,
        spec: PlatformSpec,
        cloudtrail_arn: str,
        grants: tuple[KeyUseGrant, ...] = (),
        create_autoscaling_role: bool = False,
        protect: bool = False,
        retain_logs_key: bool = False,
    ) -> "KeysArgs":
        return cls(
            account_id=spec.account_id,
            region=spec.region,
            environment=spec.environment,
            admin_role_arns=(spec.deployer_role_arn, spec.break_glass_role_arn),
            cloudtrail_arn=cloudtrail_arn,
            organization_ids=tuple(org.id for org in spec.organizations),
            rotation_period_days=spec.key_rotation_days,
            grants=grants,
            create_autoscaling_role=create_autoscaling_role,
            # An adopted Config recorder delivers through its owner's channel, not into this stack's audit
            # bucket (components/account_baseline.py delivers_config).
            allow_config_delivery=spec.owns_account_baseline and spec.adopt_existing.config_recorder_name is None,
            cloud_hsm=spec.features.cloud_hsm,
            hsm_organization_ids=tuple(org.id for org in spec.organizations if org.tier == "enterprise"),
            protect=protect,
            retain_logs_key=retain_logs_key,
        )


# --- policy documents (pure functions: the tests read exactly what the keys get) ---------------------


def _account_root(account_id: str) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:root"


def _service(name: str, region: str) -> str:
    return f"{name}.{region}.amazonaws.com"


def _sid(*parts: str) -> str:
    return "".join(_SID_UNSAFE.sub("", part.title()) for part in parts)


def _one_or_many(values: Sequence[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else list(values)


def _admin_statements(args: KeysArgs) -> list[dict[str, Any]]:
    admins = {"AWS": _one_or_many(args.admin_role_arns)}
    return [
        {
            "Sid": "KeyAdministration",
            "Effect": "Allow",
            "Principal": admins,
            "Action": list(KEY_ADMIN_ACTIONS),
            "Resource": "*",
        },
        {
            # An integrated service (EKS for the cluster's secrets, EBS for volumes) creating the grant for
            # the resource it protects; never a grant an administrator hands to itself or another principal.
            "Sid": "KeyAdministrationCreateGrantForAwsResources",
            "Effect": "Allow",
            "Principal": admins,
            "Action": "kms:CreateGrant",
            "Resource": "*",
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
    ]


def _from_the_trail(args: KeysArgs, sid: str, action: str, **conditions: Any) -> dict[str, Any]:
    """A statement for CloudTrail acting for the audit trail only (`aws:SourceArn`), never another trail."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": action,
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceArn": args.cloudtrail_arn}, **conditions},
    }


def _logs_key_statements(args: KeysArgs) -> list[dict[str, Any]]:
    account, region = args.account_id, args.region
    # CloudTrail's encryption context: a trail of this account (any region, for multi-region trails).
    account_trails = {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:{PARTITION}:cloudtrail:*:{account}:trail/*"}
    statements: list[dict[str, Any]] = [
        {
            # CloudWatch Logs calls KMS as its regional service principal and always sends the log group's
            # ARN as encryption context; the context names this account's log groups, nothing else.
            "Sid": "CloudWatchLogsUse",
            "Effect": "Allow",
            "Principal": {"Service": _service("logs", region)},
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyWithoutPlaintext",
                "kms:DescribeKey",
            ],
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:{PARTITION}:logs:{region}:{account}:log-group:*"
                }
            },
        },
        _from_the_trail(args, "CloudTrailEncrypt", "kms:GenerateDataKey*", StringLike=account_trails),
        # The audit bucket uses S3 Bucket Keys; AWS documents that CloudTrail then also needs Decrypt.
        _from_the_trail(args, "CloudTrailDecryptForBucketKey", "kms:Decrypt"),
        _from_the_trail(args, "CloudTrailDescribeKey", "kms:DescribeKey"),
        {
            # Auditors read trail log files; the CloudTrail context keeps this to this account's trails.
            "Sid": "AccountReadsTrailLogs",
            "Effect": "Allow",
            "Principal": {"AWS": _account_root(account)},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": account}, "StringLike": account_trails},
        },
        {
            # Vended logs (VPC flow logs and others) written to the SSE-KMS audit bucket.
            "Sid": "LogDeliveryUse",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
                "kms:GenerateDataKey*",
                "kms:DescribeKey",
            ],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": f"arn:{PARTITION}:logs:{region}:{account}:*"},
            },
        },
        {
            # EventBridge rules delivering security findings to targets encrypted with this key.
            "Sid": "EventBridgeUse",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": f"arn:{PARTITION}:events:{region}:{account}:rule/*"},
            },
        },
    ]
    if args.allow_config_delivery:
        statements.append(
            {
                # AWS Config (service-linked role) sends no source ARN; the source account is its scope.
                "Sid": "ConfigDelivery",
                "Effect": "Allow",
                "Principal": {"Service": "config.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            }
        )
    return statements


def _autoscaling_statements(args: KeysArgs) -> list[dict[str, Any]]:
    # Managed node groups launch through EC2 Auto Scaling, which attaches encrypted volumes as its
    # service-linked role; without both statements instances with encrypted volumes never start.
    role = autoscaling_service_linked_role_arn(args.account_id)
    return [
        {
            "Sid": "AutoScalingServiceLinkedRoleUse",
            "Effect": "Allow",
            "Principal": {"AWS": role},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            "Resource": "*",
        },
        {
            "Sid": "AutoScalingServiceLinkedRoleCreateGrant",
            "Effect": "Allow",
            "Principal": {"AWS": role},
            "Action": "kms:CreateGrant",
            "Resource": "*",
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
    ]


def _grant_statements(args: KeysArgs, grants: Sequence[KeyUseGrant]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    used: dict[str, int] = {}
    for grant in grants:
        if grant.sid is not None:
            sid = grant.sid
        else:
            base = _sid("Use", "Via", *grant.via_services)
            used[base] = used.get(base, 0) + 1
            sid = base if used[base] == 1 else f"{base}{used[base]}"
        principal = _account_root(args.account_id)
        condition: dict[str, Any] = {
            "StringEquals": {
                "kms:CallerAccount": args.account_id,
                "kms:ViaService": _one_or_many([_service(s, args.region) for s in grant.via_services]),
            }
        }
        if grant.principal_arns:
            # The account root plus this condition, never the roles as Principal: see the module docstring.
            condition["ArnEquals"] = {"aws:PrincipalArn": list(grant.principal_arns)}
        actions, described = list(grant.actions), []
        use_condition = condition
        if grant.encryption_context:
            described = [a for a in actions if a in ACTIONS_WITHOUT_ENCRYPTION_CONTEXT]
            actions = [a for a in actions if a not in ACTIONS_WITHOUT_ENCRYPTION_CONTEXT]
            use_condition = {
                **condition,
                "StringLike": {f"kms:EncryptionContext:{key}": value for key, value in grant.encryption_context},
            }
        if actions:
            statements.append(
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Principal": {"AWS": principal},
                    "Action": actions,
                    "Resource": "*",
                    "Condition": use_condition,
                }
            )
        if described:
            statements.append(
                {
                    "Sid": f"{sid}DescribeKey",
                    "Effect": "Allow",
                    "Principal": {"AWS": principal},
                    "Action": described,
                    "Resource": "*",
                    "Condition": condition,
                }
            )
        if grant.allow_create_grant:
            statements.append(
                {
                    "Sid": f"{sid}CreateGrant",
                    "Effect": "Allow",
                    "Principal": {"AWS": principal},
                    "Action": "kms:CreateGrant",
                    "Resource": "*",
                    "Condition": {**condition, "Bool": {"kms:GrantIsForAWSResource": "true"}},
                }
            )
    return statements


def key_policy(args: KeysArgs, key_name: str) -> dict[str, Any]:
    """The complete policy of one key (`key_name` a purpose or `org_key(id)`)."""
    if key_name not in args.key_names:
        raise ValueError(f"unknown key {key_name!r}: allowed are {', '.join(args.key_names)}")
    statements = _admin_statements(args)
    if key_name == "logs":
        statements += _logs_key_statements(args)
    if key_name in args.autoscaling_key_purposes:
        statements += _autoscaling_statements(args)
    statements += _grant_statements(args, [g for g in args.grants if g.key == key_name])
    sids = [statement["Sid"] for statement in statements]
    for sid in sids:
        if sids.count(sid) > 1:
            raise ValueError(f"key {key_name!r}: two statements named {sid!r}; give one of the grants another sid")
    return {"Version": "2012-10-17", "Id": f"quome-{key_name.replace(':', '-')}", "Statement": statements}


def alias_name(key_name: str) -> str:
    if key_name.startswith(ORG_KEY_PREFIX):
        return f"alias/quome/org/{key_name[len(ORG_KEY_PREFIX):]}"
    return f"alias/quome/{key_name}"


# --- the component -------------------------------------------------------------------------------------


class Keys(pulumi.ComponentResource):
    """Platform CMKs per purpose and per organization, their aliases, and (optionally) the CloudHSM store."""

    keys: Mapping[str, aws.kms.Key]
    """Current key per purpose and per `org_key(id)` (the HSM-backed one once it exists)."""

    def __init__(
        self,
        name: str,
        args: KeysArgs,
        provider: aws.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("quome:keys:Keys", name, None, opts)
        self._name = name
        self._args = args
        self._provider = provider
        self._keys: dict[str, aws.kms.Key] = {}
        self._aliases: dict[str, aws.kms.Alias] = {}
        self.hsm_store: CloudHsmStore | None = None
        self._hsm_bound = (
            {org_key(org_id) for org_id in args.hsm_organization_ids} if args.cloud_hsm.hsm_keys_ready else set()
        )

        depends_on: list[pulumi.Resource] = []
        if args.create_autoscaling_role and args.autoscaling_key_purposes:
            # The key policy names this role; KMS rejects a policy whose principal does not exist yet.
            self.autoscaling_role = aws.iam.ServiceLinkedRole(
                f"{name}-autoscaling-role",
                aws_service_name="autoscaling.amazonaws.com",
                description="EC2 Auto Scaling (EKS managed node groups); named in the storage key's policy",
                opts=child_options(self, provider),
            )
            depends_on.append(self.autoscaling_role)

        for key_name in args.key_names:
            suffix = key_name.replace(ORG_KEY_PREFIX, "org-")
            key = aws.kms.Key(
                f"{name}-{suffix}",
                description=f"quome {args.environment} {key_name} key",
                key_usage="ENCRYPT_DECRYPT",
                customer_master_key_spec="SYMMETRIC_DEFAULT",
                enable_key_rotation=True,
                rotation_period_in_days=args.rotation_period_days,
                deletion_window_in_days=DELETION_WINDOW_DAYS,
                multi_region=False,
                bypass_policy_lockout_safety_check=False,
                policy=json.dumps(key_policy(args, key_name)),
                tags=self._key_tags(key_name),
                opts=stateful_options(
                    self,
                    provider,
                    protect=args.protect,
                    retain_on_delete=args.retain_logs_key and key_name == "logs",
                    depends_on=depends_on if key_name in args.autoscaling_key_purposes else [],
                ),
            )
            self._keys[key_name] = key
            if key_name in self._hsm_bound:
                continue  # its alias follows the CloudHSM key, created by attach_cloud_hsm
            self._aliases[key_name] = self._alias(key_name, key)
        self.standard_keys: Mapping[str, aws.kms.Key] = MappingProxyType(dict(self._keys))
        self.keys = MappingProxyType(self._keys)
        self.aliases: Mapping[str, aws.kms.Alias] = MappingProxyType(self._aliases)

        # CloudHSM resources come later through attach_cloud_hsm (they need the network's subnets).
        self.register_outputs({"keyArns": {key_name: key.arn for key_name, key in self.standard_keys.items()}})

    def _alias(self, key_name: str, key: aws.kms.Key) -> aws.kms.Alias:
        # Same logical name whichever key it targets: moving an organization to its CloudHSM key is an
        # in-place retarget of the alias, not a replacement.
        return aws.kms.Alias(
            f"{self._name}-{key_name.replace(ORG_KEY_PREFIX, 'org-')}-alias",
            name=alias_name(key_name),
            target_key_id=key.key_id,
            opts=child_options(self, self._provider),
        )

    def _key_tags(self, key_name: str) -> dict[str, str]:
        if key_name.startswith(ORG_KEY_PREFIX):
            return {"quome:key-purpose": "organization", "quome:organization": key_name[len(ORG_KEY_PREFIX):]}
        return {"quome:key-purpose": key_name}

    def key_arn(self, purpose: str) -> pulumi.Output[str]:
        """The ARN of a platform key ("logs", "storage", "secrets", "cluster")."""
        if purpose not in KEY_PURPOSES:
            raise ValueError(
                f"Keys.key_arn({purpose!r}): allowed purposes are {', '.join(KEY_PURPOSES)} "
                "(organization keys: org_key_arn(org_id))"
            )
        return self._keys[purpose].arn

    def org_key_arn(self, org_id: str) -> pulumi.Output[str]:
        """The ARN of an organization's current key (its CloudHSM-backed key once that exists)."""
        name = org_key(org_id)
        if name not in self._keys:
            raise ValueError(
                f"Keys.org_key_arn({org_id!r}): no such organization; "
                f"known: {', '.join(self._args.organization_ids) or '(none)'}"
            )
        if self._args.cloud_hsm.enabled and self.hsm_store is None:
            raise RuntimeError(
                "features.cloudHsm.enabled is true but Keys.attach_cloud_hsm(subnet_ids) was never called: "
                "the platform must attach the network's isolated subnets before organizations use their keys"
            )
        return self._keys[name].arn

    def attach_cloud_hsm(self, hsm_subnet_ids: Sequence[pulumi.Input[str]]) -> CloudHsmStore | None:
        """Create the CloudHSM store (phase 1/2) and, once connected, the HSM-backed organization keys.

        Called after the network exists (the HSMs live in its isolated subnets, one per AZ); a no-op when
        `features.cloudHsm.enabled` is false.
        """
        settings = self._args.cloud_hsm
        if not settings.enabled:
            return None
        if self.hsm_store is not None:
            raise RuntimeError("Keys.attach_cloud_hsm was called twice; the store exists once per stack")
        self.hsm_store = CloudHsmStore(
            f"{self._name}-hsm",
            CloudHsmStoreArgs.from_settings(settings, self._args.region, tuple(hsm_subnet_ids), self._args.protect),
            provider=self._provider,
            opts=pulumi.ResourceOptions(parent=self),
        )
        if settings.hsm_keys_ready:
            assert self.hsm_store.custom_key_store_id is not None
            for org_id in self._args.hsm_organization_ids:
                self._create_hsm_key(org_id, self.hsm_store.custom_key_store_id, settings.key_generation)
        return self.hsm_store

    def _create_hsm_key(self, org_id: str, store_id: pulumi.Output[str], generations: int) -> None:
        name = org_key(org_id)
        policy = json.dumps(key_policy(self._args, name))
        current: aws.kms.Key | None = None
        # Every generation is kept: earlier generations still decrypt what they encrypted (runbook).
        for generation in range(1, generations + 1):
            current = aws.kms.Key(
                f"{self._name}-org-{org_id}-hsm-g{generation}",
                description=f"quome {self._args.environment} {name} key, CloudHSM generation {generation}",
                key_usage="ENCRYPT_DECRYPT",
                customer_master_key_spec="SYMMETRIC_DEFAULT",
                custom_key_store_id=store_id,
                # Keys in a custom key store cannot rotate automatically; they rotate by generation.
                enable_key_rotation=False,
                deletion_window_in_days=DELETION_WINDOW_DAYS,
                multi_region=False,
                bypass_policy_lockout_safety_check=False,
                policy=policy,
                tags={
                    **self._key_tags(name),
                    "quome:key-store": "cloudhsm",
                    "quome:key-generation": str(generation),
                    "quome:rotation": "docs/runbooks/rotate-cloudhsm-keys.md",
                },
                opts=stateful_options(self, self._provider, protect=self._args.protect),
            )
            aws.kms.Alias(
                f"{self._name}-org-{org_id}-hsm-g{generation}-alias",
                name=f"{alias_name(name)}/hsm-g{generation}",
                target_key_id=current.key_id,
                opts=child_options(self, self._provider),
            )
        assert current is not None
        self._keys[name] = current
        self._aliases[name] = self._alias(name, current)
