"""acc-waf-managed-rules: both AWS managed groups in blocking mode, metrics on."""
import json

from hipaa_pack.checks.acc_waf_managed_rules import POLICY
from tests.policies.fakes import resource_args, run

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
VISIBILITY = {"cloudwatchMetricsEnabled": True, "metricName": "edge", "sampledRequestsEnabled": True}


def managed(group, priority, override=None, vendor="AWS"):
    return {"name": group, "priority": priority, "overrideAction": override if override is not None else {"none": {}},
            "statement": {"managedRuleGroupStatement": {"name": group, "vendorName": vendor}},
            "visibilityConfig": {**VISIBILITY, "metricName": group}}


def acl(rules=None, visibility=None):
    rules = rules if rules is not None else [managed("AWSManagedRulesCommonRuleSet", 1),
                                             managed("AWSManagedRulesKnownBadInputsRuleSet", 2)]
    return resource_args(WEB_ACL, {"name": "quome-edge", "scope": "REGIONAL", "defaultAction": {"allow": {}},
                                   "rules": rules, "visibilityConfig": visibility or VISIBILITY}, name="edge-acl")


def test_passes_for_both_groups_blocking_with_metrics():
    outcome = run(POLICY, acl())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_without_the_known_bad_inputs_group():
    assert run(POLICY, acl([managed("AWSManagedRulesCommonRuleSet", 1)])).messages == [
        "web ACL 'quome-edge' does not run the managed rule group AWS AWSManagedRulesKnownBadInputsRuleSet; required "
        "a rule with managedRuleGroupStatement AWSManagedRulesKnownBadInputsRuleSet and overrideAction none"]


def test_a_group_of_another_vendor_does_not_count():
    rules = [managed("AWSManagedRulesCommonRuleSet", 1, vendor="F5"),
             managed("AWSManagedRulesKnownBadInputsRuleSet", 2)]
    assert run(POLICY, acl(rules)).messages == [
        "web ACL 'quome-edge' does not run the managed rule group AWS AWSManagedRulesCommonRuleSet; required a rule "
        "with managedRuleGroupStatement AWSManagedRulesCommonRuleSet and overrideAction none"]


def test_fails_when_a_group_only_counts():
    rules = [managed("AWSManagedRulesCommonRuleSet", 1, {"count": {}}),
             managed("AWSManagedRulesKnownBadInputsRuleSet", 2)]
    assert run(POLICY, acl(rules)).messages == [
        "web ACL 'quome-edge': rule 'AWSManagedRulesCommonRuleSet' (AWSManagedRulesCommonRuleSet) has overrideAction "
        "{\"count\": {}}; required none, so the group blocks (count only logs)"]


def test_fails_when_the_override_action_is_unset():
    rule = managed("AWSManagedRulesKnownBadInputsRuleSet", 2)
    del rule["overrideAction"]
    assert run(POLICY, acl([managed("AWSManagedRulesCommonRuleSet", 1), rule])).messages == [
        "web ACL 'quome-edge': rule 'AWSManagedRulesKnownBadInputsRuleSet' (AWSManagedRulesKnownBadInputsRuleSet) has "
        "overrideAction unset; required none, so the group blocks (count only logs)"]


def test_fails_when_metrics_are_off():
    assert run(POLICY, acl(visibility={**VISIBILITY, "cloudwatchMetricsEnabled": False})).messages == [
        "web ACL 'quome-edge': visibilityConfig.cloudwatchMetricsEnabled is false; required true"]


def test_rules_written_as_rule_json_are_read():
    rule_json = json.dumps([
        {"Name": "common", "Priority": 1, "OverrideAction": {"None": {}},
         "Statement": {"ManagedRuleGroupStatement": {"Name": "AWSManagedRulesCommonRuleSet", "VendorName": "AWS"}}},
        {"Name": "bad-inputs", "Priority": 2, "OverrideAction": {"Count": {}},
         "Statement": {"ManagedRuleGroupStatement": {"Name": "AWSManagedRulesKnownBadInputsRuleSet",
                                                     "VendorName": "AWS"}}}])
    args = resource_args(WEB_ACL, {"name": "quome-edge", "ruleJson": rule_json, "visibilityConfig": VISIBILITY})
    assert run(POLICY, args).messages == [
        "web ACL 'quome-edge': rule 'bad-inputs' (AWSManagedRulesKnownBadInputsRuleSet) has overrideAction "
        "{\"count\": {}}; required none, so the group blocks (count only logs)"]


def test_rule_json_that_is_not_json_is_reported():
    args = resource_args(WEB_ACL, {"name": "quome-edge", "ruleJson": "[{", "visibilityConfig": VISIBILITY})
    assert run(POLICY, args).messages[0] == (
        "web ACL 'quome-edge': ruleJson is not a JSON list of rules; required rules that can be checked")
