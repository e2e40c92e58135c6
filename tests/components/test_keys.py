"""Keys: one CMK per purpose and organization, and every key policy, statement by statement."""

from __future__ import annotations

import dataclasses
from typing import Any

import pulumi
import pytest

from components import account_baseline, audit_trail, keys, organization
from components.config import ConfigError
from components.keys import (
    DELETION_WINDOW_DAYS,
    KEY_ADMIN_ACTIONS,
    KEY_USE_ACTIONS,
    PLATFORM_SECRETS_PREFIX,
    SECRETS_WRITER_ACTIONS,
    Keys,
    KeysArgs,
    KeyUseGrant,
    autoscaling_service_linked_role_arn,
    gather_grants,
    key_policy,
    org_key,
    secret_arn_pattern,
    secrets_writer_grant,
)
from components.platform import platform_key_grants
from components.providers import aws_provider
from tests.harness import ACCOUNT, REGION, make_spec, of_type, one, policy_document, statement

KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/quome-deployer"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/quome-break-glass"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
TRAIL = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/quome-audit"
CLUSTER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/quome-test-cluster"
EC2_GRANT = KeyUseGrant(key="storage", via_services=("ec2",), allow_create_grant=True)
EKS_GRANT = KeyUseGrant(key="cluster", via_services=("eks",), principal_arns=(CLUSTER_ROLE,))
ACME_SECRETS = KeyUseGrant(key=org_key("acme"), via_services=("secretsmanager",))
ADMIN_SIDS = ["KeyAdministration", "KeyAdministrationCreateGrantForAwsResources"]
SECRETSMANAGER = f"secretsmanager.{REGION}.amazonaws.com"


def compliant_args(**changes: Any) -> KeysArgs:
    """The compliant fixture: the harness spec as a baseline-owning stack, with a few typical grants."""
    spec = make_spec(ownsAccountBaseline=True)
    args = KeysArgs.from_spec(
        spec,
        cloudtrail_arn=audit_trail.trail_arn(spec.account_id, spec.region),
        grants=(EC2_GRANT, EKS_GRANT, ACME_SECRETS),
        create_autoscaling_role=True,
    )
    return dataclasses.replace(args, **changes)


def build_keys(args: KeysArgs, name: str = "k", attach: tuple[str, ...] | None = None, env: str = "dev"):
    holder: dict[str, Keys] = {}

    def body() -> None:
        spec = make_spec(environment=env)
        provider = aws_provider("aws", spec)
        keys = Keys(name, args, provider=provider)
        if attach is not None:
            keys.attach_cloud_hsm(list(attach))
        holder["keys"] = keys

    from tests.harness import build

    plan = build(body)
    return plan, holder["keys"]


def policies(plan) -> dict[str, dict[str, Any]]:
    return {r.name: policy_document(r.inputs["policy"]) for r in of_type(plan, KEY)}


def sids(document: dict[str, Any]) -> list[str]:
    return [s["Sid"] for s in document["Statement"]]


@pytest.fixture(scope="module")
def compliant():
    return build_keys(compliant_args())


# --- keys and aliases --------------------------------------------------------------------------------


def test_one_symmetric_rotating_key_per_purpose_and_organization(compliant):
    plan, _ = compliant
    keys = {r.name: r for r in of_type(plan, KEY)}
    assert sorted(keys) == ["k-cluster", "k-logs", "k-org-acme", "k-org-bluebird", "k-secrets", "k-storage"]
    for key in keys.values():
        assert key.inputs["keyUsage"] == "ENCRYPT_DECRYPT"
        assert key.inputs["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
        assert key.inputs["enableKeyRotation"] is True
        assert key.inputs["rotationPeriodInDays"] == 365
        assert key.inputs["deletionWindowInDays"] == DELETION_WINDOW_DAYS == 30
        assert key.inputs["multiRegion"] is False
        assert key.inputs["bypassPolicyLockoutSafetyCheck"] is False
        assert "customKeyStoreId" not in key.inputs
        assert key.provider is not None and "::default" not in key.provider


def test_rotation_period_comes_from_config():
    spec = make_spec(keyRotationDays=180)
    args = KeysArgs.from_spec(spec, cloudtrail_arn=TRAIL)
    plan, _ = build_keys(args)
    assert {r.inputs["rotationPeriodInDays"] for r in of_type(plan, KEY)} == {180}


def test_every_key_has_its_alias_pointing_at_it(compliant):
    plan, _ = compliant
    keys = {r.name: r for r in of_type(plan, KEY)}
    aliases = {r.inputs["name"]: r for r in of_type(plan, ALIAS)}
    expected = {
        "alias/quome/logs": "k-logs",
        "alias/quome/storage": "k-storage",
        "alias/quome/secrets": "k-secrets",
        "alias/quome/cluster": "k-cluster",
        "alias/quome/org/acme": "k-org-acme",
        "alias/quome/org/bluebird": "k-org-bluebird",
    }
    assert sorted(aliases) == sorted(expected)
    for alias_name, key_name in expected.items():
        assert aliases[alias_name].property_dependencies["targetKeyId"] == [keys[key_name].urn]


def test_keys_are_tagged_with_purpose_and_organization(compliant):
    plan, _ = compliant
    assert one(plan, KEY, "k-logs").inputs["tags"] == {"quome:key-purpose": "logs"}
    assert one(plan, KEY, "k-org-acme").inputs["tags"] == {
        "quome:key-purpose": "organization", "quome:organization": "acme"
    }


def test_prod_protects_every_key_and_never_the_component():
    plan, _ = build_keys(compliant_args(protect=True, retain_logs_key=False), env="prod")
    assert all(r.protect for r in of_type(plan, KEY))
    assert not one(plan, "quome:keys:Keys").protect
    assert not any(r.protect for r in of_type(plan, ALIAS))


def test_dev_keeps_only_the_logs_key_on_destroy_because_retained_audit_data_needs_it():
    plan, _ = build_keys(compliant_args(retain_logs_key=True))
    retained = sorted(r.name for r in of_type(plan, KEY) if r.retain_on_delete)
    assert retained == ["k-logs"]
    assert not any(r.protect for r in of_type(plan, KEY))


def test_autoscaling_service_linked_role_is_created_before_the_storage_key(compliant):
    plan, _ = compliant
    role = one(plan, "aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert role.inputs["awsServiceName"] == "autoscaling.amazonaws.com"
    assert role.urn in one(plan, KEY, "k-storage").dependencies
    assert role.urn not in one(plan, KEY, "k-logs").dependencies


def test_autoscaling_role_is_not_created_when_another_stack_owns_it():
    plan, _ = build_keys(compliant_args(create_autoscaling_role=False))
    assert of_type(plan, "aws:iam/serviceLinkedRole:ServiceLinkedRole") == []
    # The policy still names it: the role exists account-wide.
    assert statement(policies(plan)["k-storage"], "AutoScalingServiceLinkedRoleUse")


# --- key policies ------------------------------------------------------------------------------------


def test_administrators_are_the_deployer_and_break_glass_roles_without_data_access(compliant):
    plan, _ = compliant
    for name, document in policies(plan).items():
        assert sids(document)[:2] == ADMIN_SIDS, name
        admin = statement(document, "KeyAdministration")
        assert admin["Effect"] == "Allow", name
        assert admin["Principal"] == {"AWS": [DEPLOYER, BREAK_GLASS]}, name
        assert admin["Action"] == list(KEY_ADMIN_ACTIONS), name
        assert admin["Resource"] == "*"
        assert "Condition" not in admin
        for action in admin["Action"]:
            assert not action.startswith(("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt", "kms:GenerateDataKey")), action
        # Named explicitly (was kms:Put*): KMS's lockout check needs the deployer to keep PutKeyPolicy.
        assert "kms:PutKeyPolicy" in admin["Action"]


def test_administrators_cannot_grant_themselves_use_of_a_key(compliant):
    """kms:Create* included kms:CreateGrant: an administrator could have granted itself Decrypt on any key."""
    assert KEY_ADMIN_ACTIONS == (
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
    assert not any("*" in action for action in KEY_ADMIN_ACTIONS)
    assert "kms:CreateGrant" not in KEY_ADMIN_ACTIONS
    plan, _ = compliant
    for name, document in policies(plan).items():
        assert statement(document, "KeyAdministrationCreateGrantForAwsResources") == {
            "Sid": "KeyAdministrationCreateGrantForAwsResources",
            "Effect": "Allow",
            "Principal": {"AWS": [DEPLOYER, BREAK_GLASS]},
            "Action": "kms:CreateGrant",
            "Resource": "*",
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        }, name
        admin_grants = [
            s for s in document["Statement"]
            if s["Principal"] == {"AWS": [DEPLOYER, BREAK_GLASS]}
            and "kms:CreateGrant" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        ]
        assert [s["Sid"] for s in admin_grants] == ["KeyAdministrationCreateGrantForAwsResources"], name


def test_no_statement_allows_kms_star_or_an_unconstrained_wildcard_principal(compliant):
    plan, _ = compliant
    for name, document in policies(plan).items():
        assert document["Version"] == "2012-10-17"
        for stmt in document["Statement"]:
            actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
            assert "kms:*" not in actions and "*" not in actions, (name, stmt["Sid"])
            assert stmt["Principal"] not in ("*", {"AWS": "*"}), (name, stmt["Sid"])
            if stmt["Principal"] == {"AWS": ROOT}:
                conditions = {k for block in stmt["Condition"].values() for k in block}
                assert "kms:CallerAccount" in conditions, (name, stmt["Sid"])


def test_logs_key_policy_statements(compliant):
    plan, _ = compliant
    document = policies(plan)["k-logs"]
    assert sids(document) == [
        *ADMIN_SIDS,
        "CloudWatchLogsUse",
        "CloudTrailEncrypt",
        "CloudTrailDecryptForBucketKey",
        "CloudTrailDescribeKey",
        "AccountReadsTrailLogs",
        "LogDeliveryUse",
        "EventBridgeUse",
        "ConfigDelivery",
    ]
    logs = statement(document, "CloudWatchLogsUse")
    assert logs["Principal"] == {"Service": f"logs.{REGION}.amazonaws.com"}
    assert logs["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"}
    }
    assert set(logs["Action"]) == set(KEY_USE_ACTIONS)

    trail = statement(document, "CloudTrailEncrypt")
    assert trail["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert trail["Action"] == "kms:GenerateDataKey*"
    assert trail["Condition"] == {
        "StringEquals": {"aws:SourceArn": TRAIL},
        "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"},
    }
    bucket_key = statement(document, "CloudTrailDecryptForBucketKey")
    assert bucket_key["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert bucket_key["Action"] == "kms:Decrypt"
    assert bucket_key["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL}}
    describe = statement(document, "CloudTrailDescribeKey")
    assert describe["Action"] == "kms:DescribeKey"
    assert describe["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL}}

    readers = statement(document, "AccountReadsTrailLogs")
    assert readers["Principal"] == {"AWS": ROOT}
    assert readers["Action"] == "kms:Decrypt"
    assert readers["Condition"] == {
        "StringEquals": {"kms:CallerAccount": ACCOUNT},
        "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"},
    }

    delivery = statement(document, "LogDeliveryUse")
    assert delivery["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert delivery["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:*"},
    }
    events = statement(document, "EventBridgeUse")
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    assert events["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert events["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/*"},
    }
    config = statement(document, "ConfigDelivery")
    assert config["Principal"] == {"Service": "config.amazonaws.com"}
    assert config["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert config["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_config_delivery_is_granted_only_to_baseline_stacks():
    document = key_policy(compliant_args(allow_config_delivery=False), "logs")
    assert "ConfigDelivery" not in sids(document)


def test_storage_key_lets_the_autoscaling_role_use_it_and_create_grants_for_aws_resources(compliant):
    plan, _ = compliant
    document = policies(plan)["k-storage"]
    assert sids(document) == [
        *ADMIN_SIDS,
        "AutoScalingServiceLinkedRoleUse",
        "AutoScalingServiceLinkedRoleCreateGrant",
        "UseViaEc2",
        "UseViaEc2CreateGrant",
    ]
    role = autoscaling_service_linked_role_arn(ACCOUNT)
    assert role == (
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    )
    use = statement(document, "AutoScalingServiceLinkedRoleUse")
    assert use["Principal"] == {"AWS": role}
    assert use["Action"] == ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
    grant = statement(document, "AutoScalingServiceLinkedRoleCreateGrant")
    assert grant["Principal"] == {"AWS": role}
    assert grant["Action"] == "kms:CreateGrant"
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}


def platform_key_policy(key_name: str, **spec_overrides: Any) -> dict[str, Any]:
    """A key's policy from every module that publishes grants (components/platform.py KEY_GRANT_SOURCES)."""
    spec = make_spec(**spec_overrides)
    args = KeysArgs.from_spec(spec, cloudtrail_arn=TRAIL, grants=platform_key_grants(spec))
    return key_policy(args, key_name)


def ec2_principals(document: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    """(Sid, aws:PrincipalArn values or None for the whole account) of every statement through EC2."""
    return [
        (s["Sid"], s["Condition"].get("ArnEquals", {}).get("aws:PrincipalArn"))
        for s in document["Statement"]
        if s.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService") == f"ec2.{REGION}.amazonaws.com"
    ]


EBS_CSI_ROLE = f"arn:aws:iam::{ACCOUNT}:role/quome-test-ebs-csi"
BACKUP_ROLE = f"arn:aws:iam::{ACCOUNT}:role/quome-backup-{REGION}"


def test_storage_key_through_ec2_is_for_the_csi_and_backup_roles_only_where_it_is_no_default_key():
    """Without the account baseline the storage key is not the account's default EBS key: the CSI driver
    (default StorageClass) and AWS Backup are its only EC2 users; node volumes go through the Auto Scaling role."""
    assert ec2_principals(platform_key_policy("storage", ownsAccountBaseline=False)) == [
        ("EbsCsiDriverVolumes", [EBS_CSI_ROLE]),
        ("EbsCsiDriverVolumesCreateGrant", [EBS_CSI_ROLE]),
        ("UseViaEc2", [BACKUP_ROLE]),
        ("UseViaEc2CreateGrant", [BACKUP_ROLE]),
    ]


def test_storage_key_as_the_default_ebs_key_keeps_account_wide_ec2_use_beside_the_named_roles():
    """Three grants through EC2 on one key: three statement pairs with distinct Sids, every principal kept."""
    assert ec2_principals(platform_key_policy("storage", ownsAccountBaseline=True)) == [
        ("UseViaEc2", None),
        ("UseViaEc2CreateGrant", None),
        ("EbsCsiDriverVolumes", [EBS_CSI_ROLE]),
        ("EbsCsiDriverVolumesCreateGrant", [EBS_CSI_ROLE]),
        ("UseViaEc22", [BACKUP_ROLE]),
        ("UseViaEc22CreateGrant", [BACKUP_ROLE]),
    ]


def test_a_grant_becomes_a_via_service_statement_for_the_account(compliant):
    plan, _ = compliant
    document = policies(plan)["k-storage"]
    use = statement(document, "UseViaEc2")
    assert use["Principal"] == {"AWS": ROOT}
    assert use["Action"] == list(KEY_USE_ACTIONS)
    assert use["Resource"] == "*"
    assert use["Condition"] == {
        "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": f"ec2.{REGION}.amazonaws.com"}
    }
    create = statement(document, "UseViaEc2CreateGrant")
    assert create["Principal"] == {"AWS": ROOT}
    assert create["Action"] == "kms:CreateGrant"
    assert create["Condition"] == {
        "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": f"ec2.{REGION}.amazonaws.com"},
        "Bool": {"kms:GrantIsForAWSResource": "true"},
    }


def test_a_grant_with_named_principals_pins_them_by_condition_and_no_create_grant_unless_asked(compliant):
    plan, _ = compliant
    document = policies(plan)["k-cluster"]
    assert sids(document) == [*ADMIN_SIDS, "UseViaEks"]
    assert statement(document, "UseViaEks") == {
        "Sid": "UseViaEks",
        "Effect": "Allow",
        # The root, not the role: KMS refuses a Principal that names a role that does not exist yet.
        "Principal": {"AWS": ROOT},
        "Action": list(KEY_USE_ACTIONS),
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": f"eks.{REGION}.amazonaws.com"},
            "ArnEquals": {"aws:PrincipalArn": [CLUSTER_ROLE]},
        },
    }


def test_named_principals_also_pin_the_create_grant_statement():
    grant = KeyUseGrant(key="cluster", via_services=("eks",), allow_create_grant=True, principal_arns=(CLUSTER_ROLE,))
    document = key_policy(compliant_args(grants=(grant,)), "cluster")
    assert statement(document, "UseViaEksCreateGrant") == {
        "Sid": "UseViaEksCreateGrant",
        "Effect": "Allow",
        "Principal": {"AWS": ROOT},
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": f"eks.{REGION}.amazonaws.com"},
            "ArnEquals": {"aws:PrincipalArn": [CLUSTER_ROLE]},
            "Bool": {"kms:GrantIsForAWSResource": "true"},
        },
    }


def test_organization_key_lets_the_workload_role_read_and_names_it_only_in_a_condition():
    spec = make_spec(ownsAccountBaseline=True)
    args = compliant_args(grants=organization.key_grants(spec))
    workload = f"arn:aws:iam::{ACCOUNT}:role/quome-acme-workload"
    document = key_policy(args, org_key("acme"))
    assert sids(document) == [
        *ADMIN_SIDS,
        "UseViaSecretsmanager",
        "SecretsManagerWriters",
        "SecretsManagerWritersDescribeKey",
        "EbsCsiDriverVolumes",
        "EbsCsiDriverVolumesCreateGrant",
    ]
    assert statement(document, "UseViaSecretsmanager") == {
        "Sid": "UseViaSecretsmanager",
        "Effect": "Allow",
        "Principal": {"AWS": ROOT},
        "Action": ["kms:Decrypt", "kms:DescribeKey"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"},
            "ArnEquals": {"aws:PrincipalArn": [workload]},
        },
    }
    # The EC2 statements name the CSI driver's role alone, which creates the org's volumes without kms:Decrypt.
    csi = f"arn:aws:iam::{ACCOUNT}:role/quome-test-ebs-csi"
    for sid in ("EbsCsiDriverVolumes", "EbsCsiDriverVolumesCreateGrant"):
        assert statement(document, sid)["Condition"]["ArnEquals"] == {"aws:PrincipalArn": [csi]}
    assert "kms:Decrypt" not in statement(document, "EbsCsiDriverVolumes")["Action"]


def test_organization_key_lets_its_owner_and_admin_write_only_its_own_secrets():
    """Secrets Manager needs GenerateDataKey (and Encrypt/Decrypt on UpdateSecret) to store a value: before,
    nothing could encrypt with an org key, so no org secret could be created."""
    spec = make_spec(ownsAccountBaseline=True)
    document = key_policy(compliant_args(grants=organization.key_grants(spec)), org_key("acme"))
    writers = [f"arn:aws:iam::{ACCOUNT}:role/quome-acme-owner", f"arn:aws:iam::{ACCOUNT}:role/quome-acme-admin"]
    assert statement(document, "SecretsManagerWriters") == {
        "Sid": "SecretsManagerWriters",
        "Effect": "Allow",
        "Principal": {"AWS": ROOT},
        "Action": ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": SECRETSMANAGER},
            "ArnEquals": {"aws:PrincipalArn": writers},
            "StringLike": {
                "kms:EncryptionContext:SecretARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:quome/acme/*"
            },
        },
    }
    # DescribeKey carries no encryption context: the same writers, through the same service, without it.
    assert statement(document, "SecretsManagerWritersDescribeKey") == {
        "Sid": "SecretsManagerWritersDescribeKey",
        "Effect": "Allow",
        "Principal": {"AWS": ROOT},
        "Action": ["kms:DescribeKey"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": SECRETSMANAGER},
            "ArnEquals": {"aws:PrincipalArn": writers},
        },
    }
    bluebird = key_policy(compliant_args(grants=organization.key_grants(spec)), org_key("bluebird"))
    assert statement(bluebird, "SecretsManagerWriters")["Condition"]["StringLike"] == {
        "kms:EncryptionContext:SecretARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:quome/bluebird/*"
    }
    assert statement(bluebird, "SecretsManagerWriters")["Condition"]["ArnEquals"] == {
        "aws:PrincipalArn": [
            f"arn:aws:iam::{ACCOUNT}:role/quome-bluebird-owner", f"arn:aws:iam::{ACCOUNT}:role/quome-bluebird-admin"
        ]
    }
    # The org key's writers are the org's read path's prefix: the workload role reads exactly these secrets.
    assert secret_arn_pattern(REGION, ACCOUNT, "quome/acme/") == organization.secrets_arn_pattern(
        REGION, ACCOUNT, "acme"
    )


def test_only_the_organization_roles_may_decrypt_with_its_key():
    """What the pack's key-policy-least-privilege holds every org key to: any statement allowing kms:Decrypt
    names only quome-<org>-<role> principals (so the deployer is no org secret writer)."""
    spec = make_spec(ownsAccountBaseline=True)
    args = compliant_args(grants=(*organization.key_grants(spec), *keys.key_grants(spec)))
    for org_id in ("acme", "bluebird"):
        decrypting = [
            s for s in key_policy(args, org_key(org_id))["Statement"]
            if "kms:Decrypt" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        ]
        assert [s["Sid"] for s in decrypting] == ["UseViaSecretsmanager", "SecretsManagerWriters"]
        for stmt in decrypting:
            assert stmt["Principal"] == {"AWS": ROOT}
            principals = stmt["Condition"]["ArnEquals"]["aws:PrincipalArn"]
            assert principals and all(p.startswith(f"arn:aws:iam::{ACCOUNT}:role/quome-{org_id}-") for p in principals)


def test_secrets_key_lets_the_deployer_write_only_the_platform_secrets():
    spec = make_spec()
    assert keys.key_grants(spec) == (
        secrets_writer_grant("secrets", REGION, ACCOUNT, "quome/platform/", (DEPLOYER,)),
    )
    assert PLATFORM_SECRETS_PREFIX == "quome/platform/"
    assert SECRETS_WRITER_ACTIONS == ("kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt", "kms:DescribeKey")
    document = key_policy(compliant_args(grants=keys.key_grants(spec)), "secrets")
    assert sids(document) == [*ADMIN_SIDS, "SecretsManagerWriters", "SecretsManagerWritersDescribeKey"]
    assert statement(document, "SecretsManagerWriters") == {
        "Sid": "SecretsManagerWriters",
        "Effect": "Allow",
        "Principal": {"AWS": ROOT},
        "Action": ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": SECRETSMANAGER},
            "ArnEquals": {"aws:PrincipalArn": [DEPLOYER]},
            "StringLike": {
                "kms:EncryptionContext:SecretARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:quome/platform/*"
            },
        },
    }
    assert statement(document, "SecretsManagerWritersDescribeKey")["Action"] == ["kms:DescribeKey"]
    assert statement(document, "SecretsManagerWritersDescribeKey")["Condition"] == {
        "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": SECRETSMANAGER},
        "ArnEquals": {"aws:PrincipalArn": [DEPLOYER]},
    }
    # The other keys get nothing from it.
    assert "SecretsManagerWriters" not in sids(key_policy(compliant_args(grants=keys.key_grants(spec)), "storage"))


def test_an_encryption_context_grant_without_describe_key_has_no_describe_statement():
    grant = KeyUseGrant(
        key="secrets", via_services=("secretsmanager",), actions=("kms:Decrypt",),
        principal_arns=(DEPLOYER,), encryption_context=(("SecretARN", "arn:aws:secretsmanager:*:*:secret:x/*"),),
    )
    document = key_policy(compliant_args(grants=(grant,)), "secrets")
    assert sids(document) == [*ADMIN_SIDS, "UseViaSecretsmanager"]
    assert statement(document, "UseViaSecretsmanager")["Condition"]["StringLike"] == {
        "kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:*:*:secret:x/*"
    }


def test_two_grants_with_the_same_sid_on_one_key_are_refused():
    grant = secrets_writer_grant("secrets", REGION, ACCOUNT, "quome/platform/", (DEPLOYER,))
    other = secrets_writer_grant("secrets", REGION, ACCOUNT, "quome/other/", (DEPLOYER,))
    with pytest.raises(ValueError, match="key 'secrets': two statements named 'SecretsManagerWriters'"):
        key_policy(compliant_args(grants=(grant, other)), "secrets")


def test_no_key_policy_names_a_grant_principal_as_principal():
    """Every Principal exists before the keys do: the admins, the account root, the Auto Scaling role."""
    spec = make_spec(ownsAccountBaseline=True)
    args = compliant_args(grants=(*organization.key_grants(spec), EKS_GRANT))
    existing = {DEPLOYER, BREAK_GLASS, ROOT, autoscaling_service_linked_role_arn(ACCOUNT)}
    for key_name in args.key_names:
        for stmt in key_policy(args, key_name)["Statement"]:
            named = stmt["Principal"].get("AWS", [])
            assert set(named if isinstance(named, list) else [named]) <= existing, (key_name, stmt["Sid"])


def test_several_services_and_actions_of_one_grant():
    grant = KeyUseGrant(
        key="secrets", via_services=("secretsmanager", "lambda"), actions=("kms:Decrypt", "kms:DescribeKey")
    )
    document = key_policy(compliant_args(grants=(grant,)), "secrets")
    use = statement(document, "UseViaSecretsmanagerLambda")
    assert use["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    assert use["Condition"]["StringEquals"]["kms:ViaService"] == [
        f"secretsmanager.{REGION}.amazonaws.com",
        f"lambda.{REGION}.amazonaws.com",
    ]


def test_two_grants_through_the_same_service_get_distinct_sids():
    first = KeyUseGrant(key="secrets", via_services=("secretsmanager",), principal_arns=(CLUSTER_ROLE,))
    second = KeyUseGrant(key="secrets", via_services=("secretsmanager",), principal_arns=(DEPLOYER,))
    document = key_policy(compliant_args(grants=(first, second)), "secrets")
    assert sids(document) == [*ADMIN_SIDS, "UseViaSecretsmanager", "UseViaSecretsmanager2"]
    assert statement(document, "UseViaSecretsmanager")["Condition"]["ArnEquals"] == {"aws:PrincipalArn": [CLUSTER_ROLE]}
    assert statement(document, "UseViaSecretsmanager2")["Condition"]["ArnEquals"] == {"aws:PrincipalArn": [DEPLOYER]}


def test_an_organization_key_holds_only_its_own_grants(compliant):
    plan, _ = compliant
    acme = policies(plan)["k-org-acme"]
    assert sids(acme) == [*ADMIN_SIDS, "UseViaSecretsmanager"]
    assert statement(acme, "UseViaSecretsmanager")["Condition"]["StringEquals"]["kms:ViaService"] == (
        f"secretsmanager.{REGION}.amazonaws.com"
    )
    assert sids(policies(plan)["k-org-bluebird"]) == ADMIN_SIDS
    assert sids(policies(plan)["k-secrets"]) == ADMIN_SIDS


def test_policy_json_is_exactly_what_key_policy_returns(compliant):
    plan, _ = compliant
    args = compliant_args()
    assert policies(plan)["k-org-acme"] == key_policy(args, org_key("acme"))
    assert policies(plan)["k-logs"] == key_policy(args, "logs")


def test_gathered_grants_keep_order_and_drop_exact_duplicates():
    spec = make_spec(ownsAccountBaseline=True)
    grants = gather_grants(spec, (account_baseline.key_grants, audit_trail.key_grants, account_baseline.key_grants))
    assert grants == (
        KeyUseGrant(key="storage", via_services=("ec2",), allow_create_grant=True),
        KeyUseGrant(
            key="logs", via_services=("s3",), actions=("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")
        ),
    )


# --- lookups -----------------------------------------------------------------------------------------


def test_lookups_name_what_is_allowed(compliant):
    _, keys = compliant
    assert isinstance(keys.key_arn("logs"), pulumi.Output)
    with pytest.raises(ValueError, match="allowed purposes are logs, storage, secrets, cluster"):
        keys.key_arn("backups")
    with pytest.raises(ValueError, match=r"no such organization; known: acme, bluebird"):
        keys.org_key_arn("nobody")
    assert sorted(keys.keys) == ["cluster", "logs", "org:acme", "org:bluebird", "secrets", "storage"]


# --- validation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: KeyUseGrant(key="logs", via_services=()), "via_services is empty"),
        (lambda: KeyUseGrant(key="logs", via_services=("ec2.us-east-1.amazonaws.com",)), "use the short service name"),
        (lambda: KeyUseGrant(key="logs", via_services=("ec2",), actions=("kms:*",)), "actions contains 'kms:*'"),
        (
            lambda: KeyUseGrant(key="logs", via_services=("ec2",), actions=("kms:CreateGrant",)),
            "CreateGrant through allow_create_grant",
        ),
        (lambda: KeyUseGrant(key="logs", via_services=["ec2"]), "via_services must be a tuple"),
        (
            lambda: KeyUseGrant(key="logs", via_services=("ec2",), sid="Use-Ec2"),
            "sid = 'Use-Ec2': letters and digits only",
        ),
        (
            lambda: KeyUseGrant(key="logs", via_services=("s3",), encryption_context=[("a", "b")]),
            "encryption_context must be a tuple",
        ),
        (
            lambda: KeyUseGrant(key="logs", via_services=("s3",), encryption_context=(("SecretARN", ""),)),
            "each entry is a (context key, value pattern) pair",
        ),
        (
            lambda: KeyUseGrant(key="logs", via_services=("s3",), encryption_context=(("a", "x"), ("a", "y"))),
            "encryption_context key 'a': must be unique",
        ),
        (
            lambda: KeyUseGrant(
                key="logs", via_services=("ec2",), allow_create_grant=True, encryption_context=(("a", "x"),)
            ),
            "encryption_context and allow_create_grant do not go together",
        ),
        (
            lambda: compliant_args(grants=(KeyUseGrant(key="backups", via_services=("ec2",)),)),
            "KeyUseGrant.key = 'backups': allowed are logs, storage, secrets, cluster, org:acme, org:bluebird",
        ),
        (
            lambda: compliant_args(
                grants=(
                    KeyUseGrant(
                        key="logs", via_services=("ec2",), principal_arns=("arn:aws:iam::999999999999:role/x",)
                    ),
                )
            ),
            "must be an IAM role or user of the stack's account 111111111111",
        ),
        (lambda: compliant_args(rotation_period_days=60), "rotation_period_days = 60: KMS accepts 90 to 2560 days"),
        (lambda: compliant_args(admin_role_arns=()), "a key without an administrator"),
        (
            lambda: compliant_args(admin_role_arns=("arn:aws:iam::999999999999:role/admin",)),
            "must be an IAM role of account 111111111111",
        ),
        (lambda: compliant_args(autoscaling_key_purposes=("backups",)), "autoscaling_key_purposes contains 'backups'"),
        (
            lambda: compliant_args(cloudtrail_arn="arn:aws:cloudtrail:eu-west-1:111111111111:trail/x"),
            "must be a trail of account 111111111111 in us-east-1",
        ),
        (lambda: compliant_args(hsm_organization_ids=("nobody",)), "hsm_organization_ids contains 'nobody'"),
    ],
)
def test_invalid_inputs_are_rejected_with_field_value_and_allowed(make, message):
    with pytest.raises((ValueError, TypeError), match=None) as caught:
        make()
    assert message in str(caught.value)


# --- CloudHSM ----------------------------------------------------------------------------------------

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def hsm_args(env: str = "dev", **cloud_hsm: Any) -> KeysArgs:
    spec = make_spec(environment=env, features={"cloudHsm": {"enabled": True, **cloud_hsm}})
    return KeysArgs.from_spec(spec, cloudtrail_arn=TRAIL, protect=env == "prod")


def test_cloud_hsm_disabled_attaches_nothing(compliant):
    plan, keys = build_keys(compliant_args(), attach=("subnet-a", "subnet-b"))
    assert keys.hsm_store is None
    assert of_type(plan, "aws:cloudhsmv2/cluster:Cluster") == []


def test_phase_one_creates_a_cluster_and_two_hsms_in_separate_subnets_and_no_store():
    plan, keys = build_keys(hsm_args(env="prod"), attach=("subnet-a", "subnet-b", "subnet-c"), env="prod")
    cluster = one(plan, "aws:cloudhsmv2/cluster:Cluster")
    assert cluster.inputs["hsmType"] == "hsm2m.medium"
    assert cluster.inputs["mode"] == "FIPS"
    assert cluster.inputs["subnetIds"] == ["subnet-a", "subnet-b", "subnet-c"]
    assert cluster.protect
    hsms = of_type(plan, "aws:cloudhsmv2/hsm:Hsm")
    assert sorted(h.inputs["subnetId"] for h in hsms) == ["subnet-a", "subnet-b"]
    assert all(h.protect and h.property_dependencies["clusterId"] == [cluster.urn] for h in hsms)
    assert of_type(plan, "aws:kms/customKeyStore:CustomKeyStore") == []
    assert not one(plan, "quome:cloudhsm:CloudHsmStore").protect
    # Until phase 3 every organization keeps its standard, rotating key.
    assert keys.keys["org:acme"] is keys.standard_keys["org:acme"]


def test_phase_two_creates_the_custom_key_store_with_the_password_as_a_secret():
    plan, _ = build_keys(
        hsm_args(trustAnchorCertificate=PEM, kmsuserPassword="correct-horse"), attach=("subnet-a", "subnet-b")
    )
    store = one(plan, "aws:kms/customKeyStore:CustomKeyStore")
    assert store.inputs["customKeyStoreType"] == "AWS_CLOUDHSM"
    assert store.inputs["customKeyStoreName"] == f"quome-{REGION}"
    assert store.inputs["trustAnchorCertificate"] == PEM
    assert store.inputs["keyStorePassword"] == "[secret]"
    hsms = {h.urn for h in of_type(plan, "aws:cloudhsmv2/hsm:Hsm")}
    assert hsms <= set(store.dependencies)
    assert [r for r in of_type(plan, KEY) if "customKeyStoreId" in r.inputs] == []


def test_phase_three_moves_enterprise_organization_keys_into_the_store_by_generation():
    args = hsm_args(trustAnchorCertificate=PEM, kmsuserPassword="pw-secret", keyStoreConnected=True, keyGeneration=2)
    assert args.hsm_organization_ids == ("acme",)  # the enterprise organization of the harness spec
    plan, keys = build_keys(args, attach=("subnet-a", "subnet-b"))
    store = one(plan, "aws:kms/customKeyStore:CustomKeyStore")
    hsm_keys = {r.name: r for r in of_type(plan, KEY) if "customKeyStoreId" in r.inputs}
    assert sorted(hsm_keys) == ["k-org-acme-hsm-g1", "k-org-acme-hsm-g2"]
    for key in hsm_keys.values():
        assert key.property_dependencies["customKeyStoreId"] == [store.urn]
        assert key.inputs["enableKeyRotation"] is False
        assert "rotationPeriodInDays" not in key.inputs
        assert key.inputs["deletionWindowInDays"] == 30
        assert key.inputs["tags"]["quome:rotation"] == "docs/runbooks/rotate-cloudhsm-keys.md"
        assert policy_document(key.inputs["policy"]) == key_policy(args, org_key("acme"))
    aliases = {r.inputs["name"]: r for r in of_type(plan, ALIAS)}
    # The organization's alias follows the newest generation; older ones keep their own alias.
    def alias_target(alias: str) -> list[str]:
        return aliases[alias].property_dependencies["targetKeyId"]

    assert alias_target("alias/quome/org/acme") == [hsm_keys["k-org-acme-hsm-g2"].urn]
    assert alias_target("alias/quome/org/acme/hsm-g1") == [hsm_keys["k-org-acme-hsm-g1"].urn]
    # The standard key stays: it still decrypts what it encrypted before the move.
    assert one(plan, KEY, "k-org-acme").inputs["enableKeyRotation"] is True
    assert keys.keys["org:acme"] is not keys.standard_keys["org:acme"]
    assert alias_target("alias/quome/org/bluebird") == [one(plan, KEY, "k-org-bluebird").urn]


def test_organization_keys_are_refused_until_the_hsm_store_is_attached():
    def body() -> None:
        spec = make_spec()
        keys = Keys("k", hsm_args(), provider=aws_provider("aws", spec))
        with pytest.raises(RuntimeError, match="attach_cloud_hsm"):
            keys.org_key_arn("acme")

    from tests.harness import build

    build(body)


def test_cloud_hsm_needs_two_distinct_subnets():
    cases = (
        (("subnet-a",), "needs subnets in at least 2 availability zones"),
        (("subnet-a", "subnet-a"), "each HSM needs its own subnet"),
    )
    for subnets, message in cases:
        def body(subnets=subnets) -> None:
            spec = make_spec()
            keys = Keys("k", hsm_args(), provider=aws_provider("aws", spec))
            keys.attach_cloud_hsm(list(subnets))

        from tests.harness import build

        with pytest.raises(Exception) as caught:
            build(body)
        assert message in str(caught.value)


@pytest.mark.parametrize(
    ("cloud_hsm", "message"),
    [
        ({"enabled": True, "keyStoreConnected": True}, "keyStoreConnected (phase 3) needs the phase 2 settings"),
        ({"enabled": True, "keyGeneration": 0}, "Input should be greater than or equal to 1"),
    ],
)
def test_cloud_hsm_config_rules(cloud_hsm, message):
    with pytest.raises(ConfigError) as caught:
        make_spec(features={"cloudHsm": cloud_hsm})
    assert any(
        problem.startswith("quome:features.cloudHsm") and message in problem for problem in caught.value.problems
    )
