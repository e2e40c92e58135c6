"""Catalog entry + validator -> pulumi-policy policy. The ONLY place Pulumi policy metadata is built.

Check modules call `resource_policy(CONTROL, validate)` or `stack_policy(CONTROL, validate)`; they
never pass names, descriptions, levels, severities or citations themselves. What the factory adds
around every validator, so no check has to:

  * type filtering (resource policies): the validator only runs for resources whose type is in
    control.resource_types; other resources are skipped without a not-applicable entry, because
    every policy sees every resource and 80 "n/a" entries per resource would bury the real ones;
  * config defaults: the policy's JSON-schema `default`s are filled into args.get_config() for
    any key the config does not set. The Pulumi CLI already does this (pulumi/pulumi
    pkg/resource/analyzer/config.go, ReconcilePolicyPackConfig); repeating it makes the pack behave
    the same when a driver sends no config at all;
  * exemptions: see exemptions.py for the exact semantics;
  * per-resource "not applicable" for stack policies: stack validators receive a StackArgs, whose
    `not_applicable_to(resource, reason)` records that one resource is out of scope. pulumi-policy
    can only mark a whole stack policy not applicable, so after the validator returns the factory
    reports a single not-applicable entry listing every such resource and every waived finding,
    one per line as `<urn>: <reason>` (NOTE_SEPARATOR between lines, sorted by URN, each note on
    one line), which `quome check` splits back into one entry per resource.
"""
from __future__ import annotations

import copy
from inspect import isawaitable
from typing import Any, Awaitable, Callable, Mapping, Optional

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import exemptions
from .catalog import REQUIREMENTS, Control

FRAMEWORK_NAME = "HIPAA Security Rule"
FRAMEWORK_VERSION = "45 CFR Part 164 Subpart C, as amended 2013-01-25"
EXEMPTIONS_KEY = "exemptions"
# Between the per-resource notes of a stack policy's single not-applicable entry.
NOTE_SEPARATOR = "\n"

_SEVERITY = {
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
    "critical": Severity.CRITICAL,
}
_ENFORCEMENT = {
    "mandatory": EnforcementLevel.MANDATORY,
    "advisory": EnforcementLevel.ADVISORY,
}

ResourceValidator = Callable[[ResourceValidationArgs, ReportViolation], Optional[Awaitable]]
StackValidator = Callable[["StackArgs", ReportViolation], Optional[Awaitable]]


class StackArgs(StackValidationArgs):
    """StackValidationArgs plus per-resource not-applicable notes (see module docstring)."""

    def __init__(self, resources: list[PolicyResource], config: Mapping[str, Any],
                 stack_tags: Mapping[str, str]) -> None:
        super().__init__(resources, config, stack_tags)
        self.not_applicable_notes: list[str] = []

    def not_applicable_to(self, resource: PolicyResource, reason: str) -> None:
        """Record that this policy does not apply to `resource`, and why; reported when the check ends."""
        if not reason:
            raise ValueError("not_applicable_to needs a reason")
        self.not_applicable_notes.append(resource_note(resource, reason))


def resource_note(resource: PolicyResource, text: str) -> str:
    """One line of a stack policy's not-applicable entry: the resource's URN, then why."""
    return f"{resource.urn}: {' '.join(text.split())}"


def resource_policy(control: Control, validate: ResourceValidator,
                    config_schema: Optional[PolicyConfigSchema] = None) -> ResourceValidationPolicy:
    """The ResourceValidationPolicy for a `kind = "resource"` control."""
    _require_kind(control, "resource", "resource_policy")
    schema = policy_config_schema(control, config_schema)
    return ResourceValidationPolicy(
        validate=_resource_validator(control, validate, config_defaults(schema)),
        config_schema=schema,
        **policy_metadata(control),
    )


def stack_policy(control: Control, validate: StackValidator,
                 config_schema: Optional[PolicyConfigSchema] = None) -> StackValidationPolicy:
    """The StackValidationPolicy for a `kind = "stack"` control."""
    _require_kind(control, "stack", "stack_policy")
    schema = policy_config_schema(control, config_schema)
    return StackValidationPolicy(
        validate=_stack_validator(control, validate, config_defaults(schema)),
        config_schema=schema,
        **policy_metadata(control),
    )


def policy_metadata(control: Control) -> dict[str, Any]:
    """Every metadata argument of a Pulumi policy, derived from the catalog entry."""
    return dict(
        name=control.id,
        description=control.title,
        enforcement_level=_ENFORCEMENT[control.enforcement],
        severity=_SEVERITY[control.severity],
        framework=PolicyComplianceFramework(
            name=FRAMEWORK_NAME,
            version=FRAMEWORK_VERSION,
            reference=", ".join(control.citations),
            specification=REQUIREMENTS[control.citations[0]].text,
        ),
        remediation_steps=control.remediation,
        url=control.url,
        tags=policy_tags(control),
    )


def policy_tags(control: Control) -> list[str]:
    """One tag per citation, the domain, then the control's exact resource type tokens.

    The analyzer protocol has no field for the types a policy targets, and GetAnalyzerInfo sends
    these tags to every driver: `quome check --format junit` reads the type tokens to give each
    policy one test case per resource of its types, passing ones included.
    """
    return ([f"hipaa:{citation}" for citation in control.citations] + [control.domain_slug]
            + list(control.resource_types))


def policy_config_schema(control: Control, own: Optional[PolicyConfigSchema]) -> PolicyConfigSchema:
    """The check's own config properties plus `exemptions`.

    Every own property must carry a `default` and none may be required, so a stack without any
    policy config still gets a working pack.
    """
    properties: dict[str, dict[str, Any]] = {}
    if own is not None:
        if own.required:
            raise ValueError(f"{control.id}: config properties must not be required "
                             f"(got required={own.required}); give them defaults instead")
        for key, prop_schema in own.properties.items():
            if key == EXEMPTIONS_KEY:
                raise ValueError(f"{control.id}: config property {EXEMPTIONS_KEY!r} is reserved; "
                                 f"the factory adds it to every policy")
            if "default" not in prop_schema:
                raise ValueError(f"{control.id}: config property {key!r} has no default; "
                                 f"every property needs one")
            properties[key] = prop_schema
    properties[EXEMPTIONS_KEY] = exemptions.exemptions_schema(control.id)
    return PolicyConfigSchema(properties=properties)


def config_defaults(schema: PolicyConfigSchema) -> dict[str, Any]:
    """Top-level `default`s of a config schema (the CLI, too, only fills in top-level defaults)."""
    return {key: prop["default"] for key, prop in schema.properties.items() if "default" in prop}


# -------------------------------------------------------------------------------------------------


def _require_kind(control: Control, kind: str, builder: str) -> None:
    if control.kind != kind:
        other = "stack_policy" if control.kind == "stack" else "resource_policy"
        raise ValueError(f"{control.id} is a {control.kind} control in the catalog; "
                         f"build it with {other}, not {builder}")


def _with_defaults(config: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(config)
    for key, value in defaults.items():
        if key not in merged:
            merged[key] = copy.deepcopy(value)
    return merged


def _resource_validator(control: Control, validate: ResourceValidator,
                        defaults: Mapping[str, Any]) -> ResourceValidator:
    types = frozenset(control.resource_types)

    def validator(args: ResourceValidationArgs, report_violation: ReportViolation) -> Optional[Awaitable]:
        if args.resource_type not in types:
            return None
        config = _with_defaults(args.get_config(), defaults)
        args = ResourceValidationArgs(args.resource_type, args.props, args.urn, args.name, args.opts,
                                      args.provider, config, args.stack_tags)
        waivers = exemptions.parse_exemptions(config.get(EXEMPTIONS_KEY), control.id)
        if waivers:
            found = exemptions.match_exemptions(waivers, args.name, args.urn, exemptions.today())
            if found.active is not None:
                args.not_applicable(found.active.not_applicable_reason())
            for lapsed in found.expired:
                report_violation(lapsed.expired_message(args.name), None)
        return validate(args, report_violation)

    validator.__name__ = f"validate_{control.module_name}"
    return validator


def _stack_validator(
    control: Control, validate: StackValidator, defaults: Mapping[str, Any],
) -> Callable[[StackValidationArgs, ReportViolation], Optional[Awaitable]]:
    types = frozenset(control.resource_types)

    def validator(args: StackValidationArgs, report_violation: ReportViolation) -> Optional[Awaitable]:
        config = _with_defaults(args.get_config(), defaults)
        stack_args = StackArgs(args.resources, config, args.stack_tags)
        waivers = exemptions.parse_exemptions(config.get(EXEMPTIONS_KEY), control.id)
        on = exemptions.today()

        # urn -> (resource, active exemption); expired ones are reported up front for the
        # control's own resource types, mirroring what a resource policy does.
        exempted: dict[str, tuple[PolicyResource, exemptions.Exemption]] = {}
        if waivers:
            for resource in args.resources:
                found = exemptions.match_exemptions(waivers, resource.name, resource.urn, on)
                if found.active is not None:
                    exempted[resource.urn] = (resource, found.active)
                elif resource.resource_type in types:
                    for lapsed in found.expired:
                        report_violation(lapsed.expired_message(resource.name), resource.urn)

        def filtered_report(message: str, urn: Optional[str] = None) -> None:
            if urn is not None and urn in exempted:
                resource, waiver = exempted[urn]
                stack_args.not_applicable_notes.append(
                    resource_note(resource, f"{waiver.not_applicable_reason()} (waived: {message})"))
                return
            report_violation(message, urn)

        def finish() -> None:
            if stack_args.not_applicable_notes:
                # Sorted, so two checks of one stack say the same: the notes come in the resources'
                # order, which is the program's registration order and differs from run to run.
                stack_args.not_applicable(NOTE_SEPARATOR.join(sorted(set(stack_args.not_applicable_notes))))

        result = validate(stack_args, filtered_report)
        if isawaitable(result):
            async def await_then_finish() -> None:
                await result
                finish()
            return await_then_finish()
        finish()
        return None

    validator.__name__ = f"validate_{control.module_name}"
    return validator
