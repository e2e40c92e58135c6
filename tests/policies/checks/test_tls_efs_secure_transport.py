"""tls-efs-secure-transport: every file system's policy denies access without TLS."""
import json

from hipaa_pack.checks.tls_efs_secure_transport import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
FILE_SYSTEM_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"
FS_URN = urn_for(FILE_SYSTEM, "shared-fs")
REQUIRED = ('a Deny statement for Principal "*", Action "*" (or elasticfilesystem:*), '
            'Condition Bool aws:SecureTransport "false"')


def deny(**changes):
    statement = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*",
                 "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    statement.update(changes)
    return statement


def stack(*statements, with_policy=True, extra=()):
    resources = [FakeResource(FILE_SYSTEM, "shared-fs", {"encrypted": True})]
    if with_policy:
        document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
        resources.append(FakeResource(FILE_SYSTEM_POLICY, "shared-fs-policy", {"policy": document},
                                      property_dependencies={"fileSystemId": "shared-fs"}))
    resources.extend(extra)
    return stack_args(resources, config=resolved_config(POLICY))


def test_passes_for_the_tls_only_deny():
    outcome = run(POLICY, stack(deny()))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_every_efs_action_and_the_plain_wildcard_principal():
    assert run(POLICY, stack(deny(Principal="*", Action="elasticfilesystem:*"))).violations == []


def test_fails_without_a_file_system_policy():
    assert run(POLICY, stack(with_policy=False)).violations == [
        (f"EFS file system 'shared-fs' has no FileSystemPolicy; required one with {REQUIRED}", FS_URN)]


def test_fails_when_two_policies_compete():
    second = FakeResource(FILE_SYSTEM_POLICY, "shared-fs-policy-2", {"policy": json.dumps({"Statement": [deny()]})},
                          property_dependencies={"fileSystemId": "shared-fs"})
    assert run(POLICY, stack(deny(), extra=[second])).messages == [
        "EFS file system 'shared-fs' has 2 FileSystemPolicy resources ('shared-fs-policy', 'shared-fs-policy-2'); "
        "required exactly one"]


def test_fails_without_a_secure_transport_deny():
    allow = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
             "Action": "elasticfilesystem:ClientMount", "Resource": "*"}
    assert run(POLICY, stack(allow)).messages == [
        f"EFS file system 'shared-fs': FileSystemPolicy 'shared-fs-policy' has no Deny statement on "
        f"aws:SecureTransport; required {REQUIRED}"]


def test_fails_when_the_deny_covers_only_some_actions():
    assert run(POLICY, stack(deny(Action="elasticfilesystem:ClientWrite"))).messages == [
        f"EFS file system 'shared-fs': FileSystemPolicy 'shared-fs-policy': statement 0 ('DenyInsecureTransport') "
        f"has Action 'elasticfilesystem:ClientWrite'; required {REQUIRED}"]


def test_fails_when_the_deny_names_one_principal():
    assert run(POLICY, stack(deny(Principal={"AWS": "arn:aws:iam::111122223333:root"}))).messages == [
        f"EFS file system 'shared-fs': FileSystemPolicy 'shared-fs-policy': statement 0 ('DenyInsecureTransport') "
        f"has Principal {{\"AWS\": \"arn:aws:iam::111122223333:root\"}}; required {REQUIRED}"]


def test_fails_when_the_condition_is_not_secure_transport_false():
    condition = {"BoolIfExists": {"aws:SecureTransport": "true"}}
    assert run(POLICY, stack(deny(Condition=condition))).messages == [
        f"EFS file system 'shared-fs': FileSystemPolicy 'shared-fs-policy': statement 0 ('DenyInsecureTransport') "
        f"has Condition {json.dumps(condition)}; required {REQUIRED}"]
