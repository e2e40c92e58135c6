"""acc-waf-managed-rules: web ACLs run the AWS common and known-bad-inputs managed rule groups in
blocking mode, with CloudWatch metrics on.

Rules come from `rules` or, for deeply nested statements, from `ruleJson` (the WAF API's JSON, with
PascalCase keys), which is read into the same shape.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, as_list, dig, plain, shown

CONTROL = CATALOG["acc-waf-managed-rules"]

VENDOR = "AWS"
REQUIRED_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"web ACL '{args.props.get('name') or args.name}'"
    rules = _rules(args.props, where, report_violation)
    for group in REQUIRED_GROUPS:
        matching = [rule for rule in rules
                    if dig(rule, "statement.managedRuleGroupStatement.name") == group
                    and dig(rule, "statement.managedRuleGroupStatement.vendorName") == VENDOR]
        if not matching:
            report_violation(f"{where} does not run the managed rule group {VENDOR} {group}; required a rule with "
                             f"managedRuleGroupStatement {group} and overrideAction none", None)
            continue
        for rule in matching:
            override = rule.get("overrideAction")
            blocking = isinstance(override, Mapping) and "none" in override and override.get("count") is None
            if not blocking:
                found = "unset" if override is None else shown(plain(override))
                report_violation(f"{where}: rule {shown(rule.get('name'))} ({group}) has overrideAction {found}; "
                                 f"required none, so the group blocks (count only logs)", None)

    metrics = dig(args.props, "visibilityConfig.cloudwatchMetricsEnabled")
    if as_bool(metrics) is not True:
        report_violation(f"{where}: visibilityConfig.cloudwatchMetricsEnabled is {shown(metrics)}; required true",
                         None)


def _rules(props: Mapping[str, Any], where: str, report_violation: ReportViolation) -> list[Mapping[str, Any]]:
    rule_json = props.get("ruleJson")
    if not rule_json:
        return [rule for rule in as_list(props.get("rules")) if isinstance(rule, Mapping)]
    try:
        raw = json.loads(rule_json)
    except (TypeError, json.JSONDecodeError):
        report_violation(f"{where}: ruleJson is not a JSON list of rules; required rules that can be checked", None)
        return []
    rules = []
    for rule in as_list(raw):
        if isinstance(rule, Mapping):
            group = dig(rule, "Statement.ManagedRuleGroupStatement") or {}
            override = rule.get("OverrideAction")
            rules.append({
                "name": rule.get("Name"),
                "statement": {"managedRuleGroupStatement": {"name": group.get("Name"),
                                                            "vendorName": group.get("VendorName")}},
                "overrideAction": None if not isinstance(override, Mapping) else
                {key.lower(): value for key, value in override.items()},
            })
    return rules


POLICY = resource_policy(CONTROL, validate)
