"""Per-stack policy config: `stacks/policy.<stack>.json`, reconciled the way the Pulumi CLI does it.

The file has the standard policy-pack config shape:
    {"all": "mandatory" | {"enforcementLevel": ...},
     "<policy>": "advisory" | {"enforcementLevel": ..., "<prop>": ...}}

pulumi_policy's servicer only stores what Configure sends; the CLI is what expands `all`, fills in
JSON-schema defaults and validates (pulumi/pulumi pkg/resource/analyzer/config.go,
ReconcilePolicyPackConfig). This module does the same, in the same order:
  1. each policy's own level (GetAnalyzerInfo) and the `default`s of its config schema;
  2. the pack's programmatic initial_config;
  3. this file: first `all`, then the policy's own entry (level and properties overlaid).
Then every policy's properties are validated against its schema.

Deliberately stricter than the CLI, because a typo in a security config must not silently fall
back to a default: an unknown policy name and an unknown property key are errors too.
"""
from __future__ import annotations

import copy
import difflib
import json
from pathlib import Path
from typing import Any, Mapping, Optional

import jsonschema

from quome.analyzer import ENFORCEMENT_LEVELS, PackInfo, ResolvedPolicyConfig

_LEVELS_TEXT = ", ".join(f'"{level}"' for level in ENFORCEMENT_LEVELS)


class PolicyConfigError(ValueError):
    """The policy config file is unreadable or does not fit the pack; the message says where."""


def policy_config_path(root: Path, stack: str) -> Path:
    return Path(root) / "stacks" / f"policy.{stack}.json"


def load_policy_config(path: Path, display: Optional[str] = None) -> Optional[dict[str, Any]]:
    """The parsed file, or None when the stack has no policy config (the pack's defaults apply)."""
    shown = display or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as e:
        raise PolicyConfigError(f"{shown}: cannot read: {e.strerror}") from None
    if not text.strip():
        return {}  # the CLI accepts an empty file as "no config"
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise PolicyConfigError(f"{shown}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    if not isinstance(doc, dict):
        raise PolicyConfigError(f"{shown}: expected a JSON object mapping policy names to settings, "
                                f"got {_json_type(doc)}")
    return doc


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")


def describe_allowed(schema: Mapping[str, Any]) -> str:
    """A short human description of what a JSON schema accepts ("integer >= 1", ...)."""
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    if "const" in schema:
        return f"exactly {json.dumps(schema['const'])}"
    kind = schema.get("type", "any value")
    kind = " or ".join(kind) if isinstance(kind, list) else kind
    parts = [kind]
    if kind == "array" and isinstance(schema.get("items"), dict):
        parts = [f"array of ({describe_allowed(schema['items'])})"]
    for key, fmt in (("minimum", ">= {}"), ("exclusiveMinimum", "> {}"), ("maximum", "<= {}"),
                     ("exclusiveMaximum", "< {}"), ("multipleOf", "multiple of {}"),
                     ("minLength", "at least {} characters"), ("maxLength", "at most {} characters"),
                     ("pattern", "matching {}"), ("format", "format {}"),
                     ("minItems", "at least {} item(s)"), ("maxItems", "at most {} item(s)")):
        if key in schema:
            parts.append(fmt.format(schema[key]))
    if schema.get("uniqueItems"):
        parts.append("no duplicates")
    if len(parts) == 1:
        return parts[0]
    # "integer >= 1, <= 10" but "array of (string), at least 1 item(s)"
    return parts[0] + (", " if parts[0].endswith(")") else " ") + ", ".join(parts[1:])


def _path_text(path: Any) -> str:
    text = ""
    for p in path:
        text += f"[{p}]" if isinstance(p, int) else (f".{p}" if text else str(p))
    return text


def _apply(result: dict[str, dict[str, Any]], entries: Mapping[str, dict[str, Any]]) -> None:
    """applyConfig(): `all` sets every level first, then each policy's level and properties overlay."""
    if "all" in entries and "enforcementLevel" in entries["all"]:
        for cfg in result.values():
            cfg["enforcement"] = entries["all"]["enforcementLevel"]
    for name, given in entries.items():
        if name == "all" or name not in result:
            continue
        if "enforcementLevel" in given:
            result[name]["enforcement"] = given["enforcementLevel"]
        for key, value in given.items():
            if key != "enforcementLevel":
                result[name]["properties"][key] = copy.deepcopy(value)


def _parse_entries(raw: Mapping[str, Any], pack: PackInfo, source: str, errors: list[str]) -> dict[str, dict]:
    entries: dict[str, dict] = {}
    for name, value in raw.items():
        if name != "all" and name not in pack.policies:
            close = difflib.get_close_matches(name, list(pack.policies), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            errors.append(f'{source}: "{name}" is not a policy of pack "{pack.name}"{hint}; '
                          f'known policies: {", ".join(pack.policies)}')
            continue
        label = '"all"' if name == "all" else f'policy "{name}"'
        if isinstance(value, str):
            if value not in ENFORCEMENT_LEVELS:
                errors.append(f'{source}: {label}: "{value}" is not an enforcement level; allowed: {_LEVELS_TEXT}')
                continue
            entries[name] = {"enforcementLevel": value}
        elif isinstance(value, dict):
            level = value.get("enforcementLevel")
            if "enforcementLevel" in value and level not in ENFORCEMENT_LEVELS:
                errors.append(f'{source}: {label}: key "enforcementLevel": {json.dumps(level)} is not allowed; '
                              f'allowed: {_LEVELS_TEXT}')
                continue
            if name == "all":
                extra = sorted(k for k in value if k != "enforcementLevel")
                if extra:
                    errors.append(f'{source}: "all": key "{extra[0]}" cannot be set for all policies; '
                                  f'allowed keys: enforcementLevel')
                    continue
            entries[name] = dict(value)
        else:
            errors.append(f"{source}: {label}: expected an enforcement level ({_LEVELS_TEXT}) or an object, "
                          f"got {_json_type(value)}")
    return entries


def _validate(name: str, schema: Mapping[str, Any], props: Mapping[str, Any], source: str,
              errors: list[str]) -> None:
    properties = schema.get("properties", {})
    allowed_keys = ", ".join(["enforcementLevel", *properties])
    where = f'{source}: policy "{name}"'
    for key in props:
        if key not in properties:
            errors.append(f'{where}: key "{key}" is not a setting of this policy; allowed keys: {allowed_keys}')
    for key in schema.get("required", []):
        if key not in props:
            what = describe_allowed(properties[key]) if key in properties else "any value"
            errors.append(f'{where}: key "{key}" is required; allowed: {what}')
    object_schema = {"type": "object", "properties": properties}
    validator_cls = jsonschema.validators.validator_for(object_schema, default=jsonschema.Draft7Validator)
    try:
        validator_cls.check_schema(object_schema)
    except jsonschema.SchemaError as e:
        errors.append(f'{where}: the pack declares an invalid config schema: {e.message}')
        return
    known = {k: v for k, v in props.items() if k in properties}
    for err in sorted(validator_cls(object_schema).iter_errors(known), key=lambda e: list(map(str, e.absolute_path))):
        path = list(err.absolute_path)
        if not path:
            continue
        top = path[0]
        errors.append(f'{where}: key "{_path_text(path)}": {err.message}; allowed: '
                      f'{describe_allowed(properties[top])}')


def resolve_policy_config(raw: Optional[Mapping[str, Any]], pack: PackInfo,
                          source: str = "policy config") -> dict[str, ResolvedPolicyConfig]:
    """Every policy's effective level and properties for Configure; PolicyConfigError if invalid.

    `raw` is the parsed file (None: no file). `source` names the file in messages. All problems in
    the file are reported together, one per line.
    """
    result: dict[str, dict[str, Any]] = {}
    for name, policy in pack.policies.items():
        defaults = {k: copy.deepcopy(v["default"])
                    for k, v in policy.config_schema.get("properties", {}).items()
                    if isinstance(v, dict) and "default" in v}
        result[name] = {"enforcement": policy.enforcement, "properties": defaults}

    errors: list[str] = []
    if pack.initial_config:
        _apply(result, _parse_entries(pack.initial_config, pack, f"pack {pack.name} initial_config", errors))
    if raw:
        _apply(result, _parse_entries(raw, pack, source, errors))
    for name, cfg in result.items():
        _validate(name, pack.policies[name].config_schema, cfg["properties"], source, errors)
    if errors:
        raise PolicyConfigError("\n".join(errors))
    return {name: ResolvedPolicyConfig(cfg["enforcement"], cfg["properties"]) for name, cfg in result.items()}
