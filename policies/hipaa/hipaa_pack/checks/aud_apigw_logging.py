"""aud-apigw-logging: API Gateway stages write access logs and error-level execution logs, never bodies.

Execution logging of a REST stage is set by a MethodSettings joined to the stage through its
`stageName` input (stage_name=stage.stage_name); HTTP APIs have no execution logs, only access logs.
"""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import as_bool, by_joined_urn, dig, resources_of, shown

CONTROL = CATALOG["aud-apigw-logging"]

REST_STAGE_TOKEN = "aws:apigateway/stage:Stage"
V2_STAGE_TOKEN = "aws:apigatewayv2/stage:Stage"
METHOD_SETTINGS_TOKEN = "aws:apigateway/methodSettings:MethodSettings"
ALL_METHODS = "*/*"
LOGGING_LEVELS = ("ERROR", "INFO")


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    method_settings = resources_of(args, METHOD_SETTINGS_TOKEN)
    settings_by_stage = by_joined_urn(method_settings, "stageName")

    for stage in resources_of(args, REST_STAGE_TOKEN):
        _check_access_logs(f"REST stage '{stage.name}'", stage, report_violation)
        _check_execution_logs(stage, settings_by_stage.get(stage.urn, []), report_violation)
    for stage in resources_of(args, V2_STAGE_TOKEN):
        _check_access_logs(f"API Gateway v2 stage '{stage.name}'", stage, report_violation)

    for settings in method_settings:
        data_trace = dig(settings.props, "settings.dataTraceEnabled")
        if as_bool(data_trace) is True:
            report_violation(f"MethodSettings '{settings.name}' (methodPath {shown(settings.props.get('methodPath'))}):"
                             f" settings.dataTraceEnabled is {shown(data_trace)}; required false or unset, because "
                             f"full request and response bodies may carry PHI", settings.urn)


def _check_access_logs(where: str, stage: PolicyResource, report_violation: ReportViolation) -> None:
    access_logs = stage.props.get("accessLogSettings")
    access_logs = access_logs if isinstance(access_logs, Mapping) else {}
    for prop, required in (("destinationArn", "the ARN of an encrypted log group"),
                           ("format", "an access-log format")):
        value = access_logs.get(prop)
        if not isinstance(value, str) or not value.strip():
            report_violation(f"{where}: accessLogSettings.{prop} is {shown(value)}; required {required}", stage.urn)


def _check_execution_logs(stage: PolicyResource, settings: list[PolicyResource],
                          report_violation: ReportViolation) -> None:
    all_methods = [s for s in settings if s.props.get("methodPath") == ALL_METHODS]
    if not all_methods:
        report_violation(f"REST stage '{stage.name}' has no MethodSettings for methodPath '*/*'; required one with "
                         f"settings.loggingLevel ERROR or INFO", stage.urn)
    for method_settings in all_methods:
        level = dig(method_settings.props, "settings.loggingLevel")
        if level not in LOGGING_LEVELS:
            report_violation(f"REST stage '{stage.name}': MethodSettings '{method_settings.name}' (methodPath '*/*') "
                             f"settings.loggingLevel is {shown(level)}; required 'ERROR' or 'INFO'", stage.urn)


POLICY = stack_policy(CONTROL, validate)
