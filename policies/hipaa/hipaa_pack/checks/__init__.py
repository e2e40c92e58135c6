"""One module per catalog control, named after the control id in snake_case.

Every module defines:
    CONTROL        = CATALOG["<control-id>"]
    CONFIG_SCHEMA  (optional) PolicyConfigSchema of the check's own settings, each with a default
    def validate(args, report_violation): ...
    POLICY         = resource_policy(CONTROL, validate[, CONFIG_SCHEMA])   # or stack_policy(...)

`load_checks()` imports them in catalog order and verifies that contract; a control without a
module fails the import naming every missing control.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

from ..catalog import CATALOG, Control, module_name


class MissingChecksError(ImportError):
    """Some catalog controls have no check module."""


class CheckContractError(TypeError):
    """A check module does not define CONTROL, validate and POLICY as the catalog requires."""


_POLICY_CLASS = {"resource": ResourceValidationPolicy, "stack": StackValidationPolicy}


def load_checks(strict: bool = True) -> tuple[ModuleType, ...]:
    """The check modules in catalog order.

    strict=True raises MissingChecksError listing every control without a module; strict=False
    skips them. A module that exists but fails to import, or breaks the
    contract, always raises.
    """
    modules: list[ModuleType] = []
    missing: list[str] = []
    for control in CATALOG.values():
        qualified = f"{__name__}.{module_name(control.id)}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as e:
            if e.name != qualified:
                raise  # the module exists but imports something that does not
            missing.append(control.id)
            continue
        _check_contract(module, control)
        modules.append(module)
    if strict and missing:
        raise MissingChecksError(
            f"{len(missing)} catalog control(s) have no check module in {__name__}: "
            + ", ".join(f"{cid} ({module_name(cid)}.py)" for cid in missing))
    return tuple(modules)


def _check_contract(module: ModuleType, control: Control) -> None:
    name = module.__name__

    def broken(problem: str) -> CheckContractError:
        return CheckContractError(f"{name}: {problem}")

    for attribute in ("CONTROL", "validate", "POLICY"):
        if not hasattr(module, attribute):
            raise broken(f"missing {attribute}; a check module defines CONTROL, validate and POLICY")
    if module.CONTROL is not control:
        raise broken(f"CONTROL is {getattr(module.CONTROL, 'id', module.CONTROL)!r}; "
                     f"expected CATALOG[{control.id!r}]")
    if not callable(module.validate):
        raise broken("validate is not callable")
    expected_class = _POLICY_CLASS[control.kind]
    if not isinstance(module.POLICY, expected_class):
        raise broken(f"POLICY is a {type(module.POLICY).__name__}; the catalog says kind = "
                     f"{control.kind!r}, so build it with {control.kind}_policy(CONTROL, validate)")
    if module.POLICY.name != control.id:
        raise broken(f"POLICY.name is {module.POLICY.name!r}; expected {control.id!r}")


# Every catalog control has its module: a control without one stops the pack from loading at all,
# so the pack can never silently run fewer controls than the catalog promises.
ALL: tuple[ModuleType, ...] = load_checks(strict=True)
