"""Command-line options made from the config dataclasses: one option per field, its
help text the field's metadata (``chatbot.config.setting``), so no option can exist
without help and the CLI never lists a setting by hand."""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from collections.abc import Sequence
from typing import Any


def _kind(hint: Any) -> Any:
    """``int`` for ``int``, ``int | None`` and ``Optional[int]``."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0] if len(args) == 1 else str
    return hint


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except where there is nothing to show."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if isinstance(action, argparse.BooleanOptionalAction) and action.default is not None:
            return f"{action.help} (default: {'on' if action.default else 'off'})"
        nothing = action.default is None or action.default is False or action.default == []
        if nothing or action.nargs == 0:  # ("in (None, False)" would hide a default of 0)
            return action.help
        return super()._get_help_string(action)


_METAVARS = {int: "N", float: "X"}


def add_options(
    parser: argparse.ArgumentParser,
    cls: type,
    *,
    skip: frozenset[str] = frozenset(),
    title: str | None = None,
) -> None:
    """An option for every field of dataclass ``cls`` except those in ``skip`` or marked
    ``cli=False``, in the argument group its ``group`` metadata names (else ``title``);
    a nested dataclass becomes a group of its own, listed first."""
    hints = typing.get_type_hints(cls)
    default = cls()
    groups: dict[str | None, Any] = {}

    def group_for(name: str | None) -> Any:
        if name not in groups:
            groups[name] = parser.add_argument_group(name) if name else parser
        return groups[name]

    for f in dataclasses.fields(cls):
        kind = _kind(hints[f.name])
        if dataclasses.is_dataclass(kind) and f.name not in skip:
            add_options(parser, kind, skip=skip, title=f.name)
    for f in dataclasses.fields(cls):
        kind = _kind(hints[f.name])
        if f.name in skip or not f.metadata.get("cli", True) or dataclasses.is_dataclass(kind):
            continue
        group = group_for(f.metadata.get("group", title))
        flag = "--" + f.name.replace("_", "-")
        value = getattr(default, f.name)
        help_text = f.metadata["help"]  # KeyError here: a setting without help
        if kind is bool:
            group.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=value, help=help_text
            )
        else:
            group.add_argument(
                flag,
                type=kind,
                default=value,
                choices=f.metadata.get("choices"),
                metavar=f.metadata.get("metavar", _METAVARS.get(kind)),
                help=help_text,
            )


def from_args(cls: type, args: argparse.Namespace, **given: Any) -> Any:
    """An instance of ``cls`` from parsed options (nested dataclasses too); ``given``
    values win over the options."""
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        kind = _kind(hints[f.name])
        if f.name in given:
            values[f.name] = given[f.name]
        elif dataclasses.is_dataclass(kind):
            values[f.name] = from_args(kind, args)
        elif hasattr(args, f.name):
            values[f.name] = getattr(args, f.name)
    return cls(**values)


def typed_options(parser: argparse.ArgumentParser, argv: Sequence[str]) -> frozenset[str]:
    """The destinations of the options ``argv`` names (--hidden 64, --max-epochs=3,
    --no-copy, or an abbreviation argparse accepts): what the user asked for, as opposed
    to what the defaults filled in (``--resume`` keeps the run's own settings)."""
    strings = {o: a.dest for a in parser._actions for o in a.option_strings if o.startswith("--")}
    typed = set()
    for token in argv:
        if token == "--":
            break
        name = token.split("=", 1)[0]
        if not name.startswith("--"):
            continue
        if name in strings:
            typed.add(strings[name])
        else:
            matches = {d for o, d in strings.items() if o.startswith(name)}
            typed |= matches if len(matches) == 1 else set()
    return frozenset(typed)
