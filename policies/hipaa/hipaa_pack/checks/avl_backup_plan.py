"""avl-backup-plan: every data store is selected into a backup plan with a rule that runs at least daily
and keeps recovery points at least minRetentionDays; EFS file systems also have their automatic backups
enabled.

Two kinds of data store:
  * declared ones (EFS, DynamoDB, RDS, EBS Volume): a Selection lists them among its `resources`
    (property dependency, known during preview, unlike their ARNs);
  * StorageClasses whose provisioner creates EBS volumes. The EBS CSI driver creates those volumes at run
    time, so no Selection can name them; what reaches AWS is the tags the class's `tagSpecification_N`
    parameters ("key=value") put on every volume. A Selection takes them when its tag filters match those
    tags and its resources cover EBS volumes. The in-tree `kubernetes.io/aws-ebs` provisioner creates EBS
    volumes too (on EKS the CSI driver serves it), so it is held to the same rule; enc-k8s-storageclass
    refuses it anyway. Other provisioners create no EBS volume (the EFS driver makes access points on a
    file system, itself a declared store when the stack owns it): not applicable.

How a Selection is read (AWS Backup semantics, so a pass means AWS really selects the volumes):
  * `selectionTags` (ListOfTags, type STRINGEQUALS, bare tag key) are OR'ed; `conditions` are AND'ed, and
    a condition on a key the class does not set cannot be proven (the driver adds its own tags, never
    ours). A Selection with both is taken to need both, which never selects more than AWS does.
  * `resources` must cover every EBS volume of the Selection's region and account ("*",
    "arn:aws:ec2:*:*:volume/*" or "arn:aws:ec2:<region>:<account>:volume/*"): without a resource type AWS
    Backup falls back on the region's service opt-in, which the stack does not show. The region is the
    Selection's own `region` input, else its provider's; the account is that of its iamRoleArn, else the
    one account its provider's allowedAccountIds allows. What is not known (preview) is only met by a '*'
    segment. A `notResources` entry that can match such a volume ARN may exclude the class's volumes.
  * an entry unknown during preview is skipped when a known one already decides; otherwise the check
    cannot run (the analyzer's advisory "can't run during preview"), never a guessed verdict.
  * the Selection belongs to a Plan through planId (property dependency).

A plan qualifies through one rule meeting both the schedule and the retention. Copy actions are
res-region-allowlist's business.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, Optional

from pulumi_policy import PolicyConfigSchema, PolicyResource, ReportViolation
from pulumi_policy.proxy import UnknownValueError

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import (
    as_int,
    as_list,
    by_joined_urn,
    dig,
    joined,
    k8s_name,
    read_known,
    region_input,
    resources_of,
    shown,
)
from .acc_secrets_rotation import max_interval_days

CONTROL = CATALOG["avl-backup-plan"]

PLAN_TOKEN = "aws:backup/plan:Plan"
SELECTION_TOKEN = "aws:backup/selection:Selection"
EFS_BACKUP_POLICY_TOKEN = "aws:efs/backupPolicy:BackupPolicy"
EFS_TOKEN = "aws:efs/fileSystem:FileSystem"
STORAGE_CLASS_TOKEN = "kubernetes:storage.k8s.io/v1:StorageClass"
DATA_STORES = {
    EFS_TOKEN: "EFS file system",
    "aws:dynamodb/table:Table": "DynamoDB table",
    "aws:rds/instance:Instance": "RDS instance",
    "aws:rds/cluster:Cluster": "RDS cluster",
    "aws:ebs/volume:Volume": "EBS volume",
}
EBS_PROVISIONERS = ("ebs.csi.aws.com", "kubernetes.io/aws-ebs")
# The driver's own, case-sensitive prefix (aws-ebs-csi-driver docs/tagging.md).
TAG_PARAMETER_PREFIX = "tagSpecification"
RESOURCE_TAG_PREFIX = "aws:ResourceTag/"
SELECTION_TAG_TYPE = "STRINGEQUALS"
MAX_SCHEDULE_DAYS = 1

# The five segments of an EBS volume ARN before its resource ("volume/vol-..."): arn, partition, ec2,
# region, account. The partition varies by stack and is not checked (ANY); an unknown region or account
# is UNKNOWN: a pattern covers it only with '*', and may match it with anything.
ANY = "<any>"
UNKNOWN = "<unknown>"
ARN_SEGMENTS = 5
VOLUME_RESOURCE = "volume/"
ACCOUNT_ID = re.compile(r"[0-9]{12}")

CONFIG_SCHEMA = PolicyConfigSchema(properties={
    "minRetentionDays": {
        "type": "integer",
        "minimum": 1,
        "default": 35,
        "description": "Shortest acceptable lifecycle.deleteAfter of the daily backup rule, in days.",
    },
})

Tags = dict[str, set[str]]
"""Tag key -> the values the class's parameters give it (two values: either may land, so both must pass)."""


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    stores = resources_of(args, DATA_STORES)
    storage_classes = []
    for storage_class in resources_of(args, STORAGE_CLASS_TOKEN):
        provisioner = storage_class.props.get("provisioner")
        if provisioner in EBS_PROVISIONERS:
            storage_classes.append(storage_class)
        else:
            args.not_applicable_to(storage_class, _other_provisioner(provisioner))
    if not stores and not storage_classes:
        others = "".join(f"; StorageClass '{k8s_name(c.props, c.name)}': "
                         f"{_other_provisioner(c.props.get('provisioner'))}"
                         for c in resources_of(args, STORAGE_CLASS_TOKEN))
        args.not_applicable("the stack has no EFS file system, DynamoDB table, RDS instance or cluster, "
                            "or EBS volume to back up" + others)
    # Config crosses the analyzer protocol as protobuf numbers: 35 arrives as 35.0.
    min_days = as_int(args.get_config()["minRetentionDays"])
    required = (f"required a Selection of a plan with a rule scheduled at least daily and lifecycle.deleteAfter "
                f"of at least {min_days} days (minRetentionDays)")

    plans = {plan.urn: plan for plan in resources_of(args, PLAN_TOKEN)}
    shortfalls = {urn: _shortfall(plan, min_days) for urn, plan in plans.items()}
    all_selections = resources_of(args, SELECTION_TOKEN)
    selections = by_joined_urn(all_selections, "resources")

    for store in stores:
        kind = DATA_STORES[store.resource_type]
        chosen = [plans[urn] for selection in selections.get(store.urn, [])
                  for urn in joined(selection, "planId") if urn in plans]
        if not chosen:
            report_violation(f"{kind} '{store.name}' is in no backup Selection; {required}", store.urn)
        elif all(shortfalls[plan.urn] for plan in chosen):
            report_violation(f"{kind} '{store.name}' is selected only by plans that fall short "
                             f"({_reasons(chosen, shortfalls)}); {required}", store.urn)

    tagged_required = (f"required its volumes tagged through a tagSpecification_N parameter 'key=value' that a "
                       f"Selection matches (selectionTags {SELECTION_TAG_TYPE} key and value, or "
                       f"conditions.stringEquals '{RESOURCE_TAG_PREFIX}key' and value) with resources covering the "
                       f"EBS volumes of its region and account ('arn:aws:ec2:*:*:volume/*'), of a plan with a rule "
                       f"scheduled at least daily and lifecycle.deleteAfter of at least {min_days} days "
                       f"(minRetentionDays)")
    for storage_class in storage_classes:
        problem = _storage_class_problem(storage_class, all_selections, plans, shortfalls)
        if problem:
            report_violation(f"StorageClass '{k8s_name(storage_class.props, storage_class.name)}' {problem}; "
                             f"{tagged_required}", storage_class.urn)

    policies = by_joined_urn(resources_of(args, EFS_BACKUP_POLICY_TOKEN), "fileSystemId")
    for file_system in resources_of(args, EFS_TOKEN):
        statuses = [dig(p.props, "backupPolicy.status") for p in policies.get(file_system.urn, [])]
        if not statuses:
            report_violation(f"EFS file system '{file_system.name}' has no BackupPolicy; required one with "
                             f"backupPolicy.status ENABLED", file_system.urn)
        elif any(status != "ENABLED" for status in statuses):
            found = next(status for status in statuses if status != "ENABLED")
            report_violation(f"EFS file system '{file_system.name}': BackupPolicy backupPolicy.status is "
                             f"{shown(found)}; required ENABLED", file_system.urn)


def _other_provisioner(provisioner: Any) -> str:
    return (f"provisioner {shown(provisioner)} creates no EBS volumes (an EFS file system behind it is checked as "
            f"a data store of its own)")


def _reasons(plans: list[PolicyResource], shortfalls: Mapping[str, Optional[str]]) -> str:
    return "; ".join(f"plan '{plan.name}' {shortfalls[plan.urn]}" for plan in plans)


# ------------------------------------------------------------------------------------ StorageClasses


def _storage_class_problem(storage_class: PolicyResource, selections: list[PolicyResource],
                           plans: Mapping[str, PolicyResource],
                           shortfalls: Mapping[str, Optional[str]]) -> Optional[str]:
    """None when a Selection of a qualifying plan takes the class's volumes, else what the message says."""
    tags = _volume_tags(storage_class.props.get("parameters"))
    shown_tags = ", ".join(repr(f"{key}={value}") for key in sorted(tags) for value in sorted(tags[key]))
    selecting, near_misses = [], []
    undecided: Optional[UnknownValueError] = None
    for selection in selections:
        try:
            by_tag, reason = _selection_miss(selection, tags)
        except UnknownValueError as unknown:
            # Another Selection may still prove the volumes taken; if none does, the check cannot decide.
            undecided = undecided or unknown
            continue
        if reason is None:
            selecting.append(selection)
        elif by_tag:
            near_misses.append(f"Selection '{selection.name}' matches its tags, but {reason}")
    if not selecting and undecided is not None:
        raise undecided
    if not selecting:
        misses = f" ({'; '.join(near_misses)})" if near_misses else ""
        if not tags:
            return (f"sets no {TAG_PARAMETER_PREFIX}_N parameter, so its EBS volumes carry no backup tag, and no "
                    f"Selection takes untagged EBS volumes{misses}")
        return f"tags its EBS volumes {shown_tags}, which no backup Selection selects{misses}"
    chosen = [plans[urn] for selection in selecting for urn in joined(selection, "planId") if urn in plans]
    if not chosen:
        names = ", ".join(f"'{selection.name}'" for selection in selecting)
        plural = "s" if len(selecting) > 1 else ""
        return (f"tags its EBS volumes {shown_tags}: Selection{plural} {names} select{'' if plural else 's'} them "
                f"but join{'' if plural else 's'} no backup Plan through planId")
    if all(shortfalls[plan.urn] for plan in chosen):
        return (f"tags its EBS volumes {shown_tags}, which only plans that fall short select "
                f"({_reasons(chosen, shortfalls)})")
    return None


def _volume_tags(parameters: Any) -> Tags:
    """The tags the EBS CSI driver puts on the class's volumes: "key=value" of each tagSpecification_N."""
    tags: Tags = {}
    if not isinstance(parameters, Mapping):
        return tags
    # Only the tag parameters are read: kmsKeyId is another resource's output, unknown during preview.
    for name in parameters:
        if isinstance(name, str) and name.startswith(TAG_PARAMETER_PREFIX):
            spec = parameters[name]
            if isinstance(spec, str) and "=" in spec:
                key, value = spec.split("=", 1)
                tags.setdefault(key, set()).add(value)
    return tags


def _selection_miss(selection: PolicyResource, tags: Tags) -> tuple[bool, Optional[str]]:
    """(whether the Selection's tag filters pick volumes carrying `tags`, why it does not take those volumes
    or None when it does). A Selection without tag filters takes every volume its resources cover."""
    selection_tags = [t for t in as_list(selection.props.get("selectionTags")) if isinstance(t, Mapping)]
    conditions = [(operator, c) for block in as_list(selection.props.get("conditions")) if isinstance(block, Mapping)
                  for operator, operands in block.items() for c in as_list(operands) if isinstance(c, Mapping)]
    any_tag = not selection_tags or any(
        t.get("type") == SELECTION_TAG_TYPE and tags.get(t.get("key")) == {t.get("value")} for t in selection_tags)
    if not any_tag or not all(_condition_holds(operator, c, tags) for operator, c in conditions):
        return False, "its tag filters do not match"
    by_tag = bool(selection_tags or conditions)
    region, account = _selection_region(selection), _selection_account(selection)
    prefix = ("arn", ANY, "ec2", region or UNKNOWN, account[0] if account else UNKNOWN)
    resources, unknown = _known_entries(selection.props.get("resources"))
    if not any(_covers_every_volume(pattern, prefix) for pattern in resources):
        if unknown is not None:
            raise unknown
        elsewhere = [pattern for pattern in resources if _covers_every_volume(pattern, ("arn", ANY, "ec2", ANY, ANY))]
        if elsewhere:
            return by_tag, (f"resources {shown(elsewhere[0])} does not cover the EBS volumes of its own region and "
                            f"account (required region segment {_region_required(region)} and account segment "
                            f"{_account_required(account)})")
        return by_tag, f"resources is {shown(selection.props.get('resources'))}, which does not cover EBS volumes"
    not_resources, unknown = _known_entries(selection.props.get("notResources"))
    excluding = [pattern for pattern in not_resources if _may_match_a_volume(pattern, prefix)]
    if excluding:
        return by_tag, f"notResources {shown(excluding)} can exclude EBS volumes"
    if unknown is not None:
        raise unknown
    return by_tag, None


def _region_required(region: Optional[str]) -> str:
    if region is None:
        return "'*', since the Selection's region is not known (no region input, no provider region)"
    return f"'*' or {shown(region)}, the Selection's region"


def _account_required(account: Optional[tuple[str, str]]) -> str:
    if account is None:
        return ("'*', since the Selection's account is not known (no iamRoleArn account, no single provider "
                "allowedAccountIds)")
    return f"'*' or {shown(account[0])}, {account[1]}"


def _known_entries(value: Any) -> tuple[list[Any], Optional[UnknownValueError]]:
    """The entries of a list property that are known, and the first unknown one's error (None if none)."""
    if value is None:
        return [], None
    if not isinstance(value, Sequence) or isinstance(value, str):
        return [value], None
    return read_known(partial(value.__getitem__, index) for index in range(len(value)))


def _selection_region(selection: PolicyResource) -> Optional[str]:
    """The region AWS Backup creates the Selection in: its own region input, else its provider's."""
    try:
        region = region_input(selection)
    except UnknownValueError:
        return None
    return region if isinstance(region, str) and region else None


def _selection_account(selection: PolicyResource) -> Optional[tuple[str, str]]:
    """(account id, where it comes from): the account of iamRoleArn, else the single account the provider
    allows (allowedAccountIds, which the provider refuses to work outside of). None when neither is known."""
    try:
        role = selection.props.get("iamRoleArn")
    except UnknownValueError:
        role = None
    parts = role.split(":") if isinstance(role, str) else []
    if len(parts) > ARN_SEGMENTS and parts[0] == "arn" and ACCOUNT_ID.fullmatch(parts[4]):
        return parts[4], f"the account of its iamRoleArn {shown(role)}"
    provider = selection.provider
    try:
        allowed = provider.props.get("allowedAccountIds") if provider is not None and provider.props else None
        # The engine sends a provider's list inputs JSON-encoded.
        ids = json.loads(allowed) if isinstance(allowed, str) else as_list(allowed)
    except (UnknownValueError, ValueError):
        return None
    if isinstance(ids, list) and len(ids) == 1 and isinstance(ids[0], str) and ACCOUNT_ID.fullmatch(ids[0]):
        return ids[0], "the only account its provider's allowedAccountIds allows"
    return None


def _condition_holds(operator: str, condition: Mapping[str, Any], tags: Tags) -> bool:
    """Whether every volume of the class meets one `conditions` entry; False when that cannot be proven."""
    key, wanted = condition.get("key"), condition.get("value")
    if not isinstance(key, str) or not key.startswith(RESOURCE_TAG_PREFIX) or not isinstance(wanted, str):
        return False
    values = tags.get(key[len(RESOURCE_TAG_PREFIX):])
    if not values:
        return False
    if operator == "stringEquals":
        return values == {wanted}
    if operator == "stringNotEquals":
        return wanted not in values
    # Like: '*' any run; '?' read as a literal to prove a match and as a wildcard to prove a mismatch.
    if operator == "stringLikes":
        return all(_glob(wanted, question_mark_is_wildcard=False).fullmatch(v) for v in values)
    if operator == "stringNotLikes":
        return not any(_glob(wanted, question_mark_is_wildcard=True).fullmatch(v) for v in values)
    return False


def _glob(pattern: str, question_mark_is_wildcard: bool) -> re.Pattern[str]:
    wildcards = {"*": ".*", "?": "."} if question_mark_is_wildcard else {"*": ".*"}
    return re.compile("".join(wildcards.get(c, re.escape(c)) for c in pattern), re.DOTALL)


def _covers_every_volume(pattern: Any, prefix: tuple[str, ...]) -> bool:
    """Whether a `resources` ARN pattern matches every EBS volume ARN whose first segments are `prefix`.

    A volume ARN has exactly five colons, so a pattern with five lines up with it segment by segment; one
    with fewer must end in '*', which then spans the segments it leaves out.
    """
    if not isinstance(pattern, str):
        return False
    *fixed, last = pattern.split(":")
    if len(fixed) > ARN_SEGMENTS:
        return False
    if not last.endswith("*") or not _segments_fit(fixed, prefix, unknown_fits=_only_stars):
        return False
    if len(fixed) == ARN_SEGMENTS:
        # 'volume/*', '*' and 'vol*' cover every volume id; 'volume/vol-0abc*' covers only some.
        return _glob(last, True).fullmatch(VOLUME_RESOURCE + "*") is not None
    want = prefix[len(fixed)]
    if want == ANY:
        return True
    if want == UNKNOWN:
        return _only_stars(last)
    return _glob(last, True).fullmatch(want + "*") is not None


def _only_stars(segment: str) -> bool:
    return bool(segment) and set(segment) == {"*"}


def _may_match_a_volume(pattern: Any, prefix: tuple[str, ...]) -> bool:
    """Whether a `notResources` ARN pattern can match an EBS volume ARN whose first segments are `prefix`
    (True unless it provably cannot).

    Segments before the first wildcard line up with the ARN's; with five colons, all of them do.
    """
    if not isinstance(pattern, str):
        return False
    parts = pattern.split(":")
    if len(parts) > ARN_SEGMENTS + 1:
        return False
    lined_up = parts if len(parts) == ARN_SEGMENTS + 1 else parts[:_first_wildcard(parts)]
    if not _segments_fit(lined_up, prefix, unknown_fits=lambda segment: True):
        return False
    if len(parts) < ARN_SEGMENTS + 1:
        # Only a '*' can span the colons the pattern lacks.
        return "*" in pattern
    resource = parts[-1]
    literal = re.split(r"[*?]", resource, maxsplit=1)[0]
    if literal == resource:
        return resource.startswith(VOLUME_RESOURCE)
    return literal.startswith(VOLUME_RESOURCE) or VOLUME_RESOURCE.startswith(literal)


def _segments_fit(segments: list[str], prefix: tuple[str, ...], unknown_fits: Callable[[str], bool]) -> bool:
    """Whether ARN segments, lined up from the start, match the volume ARN prefix; `unknown_fits` judges a
    segment against an UNKNOWN one."""
    # A pattern cut short at its first wildcard has fewer segments than the prefix: compare what it has.
    pairs = zip(segments, prefix, strict=False)
    return all(want == ANY or (unknown_fits(segment) if want == UNKNOWN else _glob(segment, True).fullmatch(want))
               for segment, want in pairs)


def _first_wildcard(parts: list[str]) -> int:
    return next((i for i, part in enumerate(parts) if "*" in part or "?" in part), len(parts))


# ------------------------------------------------------------------------------------ plans


def _shortfall(plan: PolicyResource, min_days: int) -> Optional[str]:
    """None when some rule of the plan runs at least daily and keeps points long enough, else why not."""
    problems = []
    for rule in as_list(plan.props.get("rules")):
        if not isinstance(rule, Mapping):
            continue
        problem = _rule_problem(rule, min_days)
        if problem is None:
            return None
        problems.append(f"rule {shown(rule.get('ruleName'))} {problem}")
    return ", ".join(problems) if problems else "has no rules"


def _rule_problem(rule: Mapping[str, Any], min_days: int) -> Optional[str]:
    schedule = rule.get("schedule")
    if schedule is None:
        return "has no schedule"
    interval = max_interval_days(str(schedule))
    if interval is None:
        return f"has schedule {shown(schedule)}, which cannot be evaluated"
    if interval > MAX_SCHEDULE_DAYS:
        return f"runs {shown(schedule)}, up to {interval:g} days apart"
    # No deleteAfter keeps recovery points until someone deletes them: at least any minimum.
    delete_after = dig(rule, "lifecycle.deleteAfter")
    if delete_after is not None and (as_int(delete_after) is None or as_int(delete_after) < min_days):
        return f"keeps recovery points {shown(delete_after)} days"
    return None


POLICY = stack_policy(CONTROL, validate, CONFIG_SCHEMA)
