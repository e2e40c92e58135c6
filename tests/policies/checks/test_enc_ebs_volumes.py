"""enc-ebs-volumes: volumes, launch-template disks and instance disks use a customer-managed key."""
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from hipaa_pack.checks.enc_ebs_volumes import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

VOLUME = "aws:ebs/volume:Volume"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
INSTANCE = "aws:ec2/instance:Instance"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/5370a966-9811-e81a-2eb0-d5f59b00253b"
AWS_EBS = "arn:aws:kms:us-east-1:111122223333:alias/aws/ebs"


def args(resource_type, props, name):
    return resource_args(resource_type, props, name=name, config=resolved_config(POLICY))


def volume(changes=None, drop=()):
    props = {k: v for k, v in {"availabilityZone": "us-east-1a", "size": 50, "encrypted": True,
                               "kmsKeyId": KEY_ARN, **(changes or {})}.items() if k not in drop}
    return args(VOLUME, props, "data")


def ebs(changes=None, drop=()):
    base = {"volumeSize": 50, "volumeType": "gp3", "encrypted": "true", "kmsKeyId": KEY_ARN,
            "deleteOnTermination": "true"}
    return {k: v for k, v in {**base, **(changes or {})}.items() if k not in drop}


def template(*mappings):
    return args(LAUNCH_TEMPLATE, {"metadataOptions": {"httpTokens": "required"},
                                  "blockDeviceMappings": list(mappings)}, "nodes-lt")


def root(**changes):
    return {"deviceName": "/dev/xvda", "ebs": ebs(changes)}


def instance(root_device=None, extra=(), drop_root=False):
    props = {"instanceType": "m7g.large", "ebsBlockDevices": list(extra)}
    if not drop_root:
        props["rootBlockDevice"] = root_device or {"encrypted": True, "kmsKeyId": KEY_ARN}
    return args(INSTANCE, props, "bastion")


# -- Volume

def test_passes_for_an_encrypted_volume_with_a_customer_key():
    outcome = run(POLICY, volume())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_for_an_unencrypted_volume():
    assert run(POLICY, volume({"encrypted": False})).messages == [
        "EBS volume 'data': encrypted is false; required true"]


def test_fails_for_a_volume_without_a_key():
    assert run(POLICY, volume(drop=["kmsKeyId"])).messages == [
        "EBS volume 'data': kmsKeyId is unset, which means the account's default EBS key (aws/ebs unless changed); "
        "required a customer-managed KMS key"]


def test_fails_for_a_volume_with_the_aws_managed_key():
    assert run(POLICY, volume({"kmsKeyId": AWS_EBS})).messages == [
        f"EBS volume 'data': kmsKeyId is '{AWS_EBS}' (AWS-managed); required a customer-managed KMS key"]


# -- LaunchTemplate (ebs.encrypted is a string in pulumi-aws)

def test_passes_for_a_launch_template_with_encrypted_disks():
    assert run(POLICY, template(root(), {"deviceName": "/dev/xvdb", "ebs": ebs()})).violations == []


def test_fails_when_a_template_disk_is_not_encrypted():
    assert run(POLICY, template(root(encrypted="false"))).messages == [
        "launch template 'nodes-lt' blockDeviceMappings[0] (/dev/xvda): ebs.encrypted is 'false'; required \"true\""]


def test_fails_when_a_template_disk_has_no_key():
    outcome = run(POLICY, template(root(), {"deviceName": "/dev/xvdb", "ebs": ebs(drop=["kmsKeyId"])}))
    assert outcome.messages == [
        "launch template 'nodes-lt' blockDeviceMappings[1] (/dev/xvdb): ebs.kmsKeyId is unset, which means the "
        "account's default EBS key (aws/ebs unless changed); required a customer-managed KMS key"]


def test_fails_when_a_template_disk_uses_the_aws_managed_key():
    assert run(POLICY, template(root(kmsKeyId="alias/aws/ebs"))).messages == [
        "launch template 'nodes-lt' blockDeviceMappings[0] (/dev/xvda): ebs.kmsKeyId is 'alias/aws/ebs' "
        "(AWS-managed); required a customer-managed KMS key"]


def test_fails_for_a_template_without_block_device_mappings():
    assert run(POLICY, template()).messages == [
        "launch template 'nodes-lt' has no blockDeviceMappings entry with ebs, so the root volume takes the AMI's "
        "unencrypted default; required encrypted \"true\" and a kmsKeyId"]


def test_instance_store_mappings_are_not_ebs_disks():
    outcome = run(POLICY, template(root(), {"deviceName": "/dev/sdb", "virtualName": "ephemeral0"}))
    assert outcome.violations == []


# -- Instance

def test_passes_for_an_instance_with_encrypted_disks():
    disk = {"deviceName": "/dev/sdf", "encrypted": True, "kmsKeyId": KEY_ARN}
    assert run(POLICY, instance(extra=[disk])).violations == []


def test_fails_when_the_instance_root_disk_is_not_encrypted():
    assert run(POLICY, instance({"encrypted": False, "kmsKeyId": KEY_ARN})).messages == [
        "instance 'bastion' rootBlockDevice: encrypted is false; required true"]


def test_fails_when_the_instance_root_disk_has_no_key():
    assert run(POLICY, instance({"encrypted": True})).messages == [
        "instance 'bastion' rootBlockDevice: kmsKeyId is unset, which means the account's default EBS key "
        "(aws/ebs unless changed); required a customer-managed KMS key"]


def test_fails_when_the_instance_has_no_root_block_device():
    assert run(POLICY, instance(drop_root=True)).messages == [
        "instance 'bastion': rootBlockDevice is unset, so the root volume takes the AMI's unencrypted default; "
        "required rootBlockDevice with encrypted true and a kmsKeyId"]


def test_fails_when_an_extra_instance_disk_is_not_encrypted():
    disk = {"deviceName": "/dev/sdf", "kmsKeyId": KEY_ARN}
    assert run(POLICY, instance(extra=[disk])).messages == [
        "instance 'bastion' ebsBlockDevices[0] (/dev/sdf): encrypted is unset; required true"]


def test_other_types_are_not_evaluated():
    outcome = run(POLICY, resource_args("aws:ebs/snapshot:Snapshot", {"volumeId": "vol-1"}, name="snap"))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_an_unknown_key_during_preview_defers_the_check():
    outcome = run(POLICY, volume({"kmsKeyId": UNKNOWN_STRING_VALUE}))
    assert outcome.unknown == "string value at .kmsKeyId can't be known during preview"
    assert outcome.violations == []
