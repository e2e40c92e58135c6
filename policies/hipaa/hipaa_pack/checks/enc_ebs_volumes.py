"""enc-ebs-volumes: EBS volumes, node launch templates and instance disks use a customer-managed key."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, as_list, customer_managed_key_problem, shown

CONTROL = CATALOG["enc-ebs-volumes"]

VOLUME = "aws:ebs/volume:Volume"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
INSTANCE = "aws:ec2/instance:Instance"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == VOLUME:
        _check_disk(f"EBS volume '{args.name}'", args.props, report_violation)
    elif args.resource_type == LAUNCH_TEMPLATE:
        _check_launch_template(args, report_violation)
    elif args.resource_type == INSTANCE:
        _check_instance(args, report_violation)


def _check_launch_template(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"launch template '{args.name}'"
    # Entries without `ebs` are instance-store (virtualName) or noDevice mappings: no EBS volume.
    disks = [(index, mapping) for index, mapping in enumerate(as_list(args.props.get("blockDeviceMappings")))
             if isinstance(mapping, Mapping) and mapping.get("ebs") is not None]
    if not disks:
        report_violation(f"{where} has no blockDeviceMappings entry with ebs, so the root volume takes the "
                         f"AMI's unencrypted default; required encrypted \"true\" and a kmsKeyId", None)
        return
    for index, mapping in disks:
        _check_disk(f"{where} blockDeviceMappings[{index}] {_device(mapping)}", mapping.get("ebs"),
                    report_violation, setting_prefix="ebs.", string_bool=True)


def _check_instance(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"instance '{args.name}'"
    root = args.props.get("rootBlockDevice")
    if not isinstance(root, Mapping):
        report_violation(f"{where}: rootBlockDevice is unset, so the root volume takes the AMI's unencrypted "
                         f"default; required rootBlockDevice with encrypted true and a kmsKeyId", None)
    else:
        _check_disk(f"{where} rootBlockDevice", root, report_violation)
    for index, device in enumerate(as_list(args.props.get("ebsBlockDevices"))):
        if isinstance(device, Mapping):
            _check_disk(f"{where} ebsBlockDevices[{index}] {_device(device)}", device, report_violation)


def _check_disk(where: str, disk: Any, report_violation: ReportViolation, setting_prefix: str = "",
                string_bool: bool = False) -> None:
    disk = disk if isinstance(disk, Mapping) else {}
    encrypted = disk.get("encrypted")
    if as_bool(encrypted) is not True:
        required = '"true"' if string_bool else "true"
        report_violation(f"{where}: {setting_prefix}encrypted is {shown(encrypted)}; required {required}", None)
    problem = customer_managed_key_problem(where, f"{setting_prefix}kmsKeyId", disk.get("kmsKeyId"),
                                           ", which means the account's default EBS key (aws/ebs unless changed)")
    if problem:
        report_violation(problem, None)


def _device(mapping: Mapping[str, Any]) -> str:
    name: Optional[str] = mapping.get("deviceName")
    return f"({name})" if name else "(no deviceName)"


POLICY = resource_policy(CONTROL, validate)
