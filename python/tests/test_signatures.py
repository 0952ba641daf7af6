"""The keyword names and defaults of every function are the CLI's flags and the defaults its
`--help` shows: the stubs are checked against `--help`, and the runtime signatures against the
stubs, so none of the three can drift from the others."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

import xpuscope

STUB = Path(xpuscope.__file__).with_name("_xpuscope.pyi")

# Python function -> CLI command.
COMMANDS = {
    "export": "export",
    "infer": "infer",
    "serve": "serve",
    "train": "train",
    "plan": "plan",
    "compare": "compare",
    "_sweep_plan": "sweep",
}

# Flags that are not keyword arguments: output plumbing, files the CLI writes, and --chips of
# `compare` named `*ids` positionally in Python (its keyword `chips` is the CLI's `--chips`).
NOT_KEYWORDS = {"format", "catalog", "svg", "help", "version"}
# Keywords that are positional arguments on the CLI.
POSITIONAL = {"export": {"chip"}}
# None where `--help` names what leaving the flag out means.
NONE_MEANS = {("export", "date"): "today", ("export", "datacenter"): "true"}
# Flags that write a file, which the Python function returns no counterpart of (yet).
CLI_ONLY = {"serve": {"timeline"}}
# Keywords with no flag: `fields` keeps a result to the top-level fields a caller reads, which
# the CLI has no use for (its JSON is text, and jq picks fields from it).
PYTHON_ONLY = {"infer": {"fields"}, "serve": {"fields"}, "train": {"fields"}}


def stub_defaults() -> Dict[str, Dict[str, Any]]:
    """Each stubbed function's keyword defaults (a parameter without one maps to `REQUIRED`)."""
    tree = ast.parse(STUB.read_text())
    out: Dict[str, Dict[str, Any]] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        a = node.args
        params: Dict[str, Any] = {}
        positional = a.posonlyargs + a.args
        defaults = [REQUIRED] * (len(positional) - len(a.defaults)) + list(a.defaults)
        for arg, d in zip(positional, defaults):
            params[arg.arg] = d if d is REQUIRED else ast.literal_eval(d)
        for arg, d in zip(a.kwonlyargs, a.kw_defaults):
            params[arg.arg] = REQUIRED if d is None else ast.literal_eval(d)
        out[node.name] = params
    return out


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()


def help_defaults(cli, command: str) -> Dict[str, Optional[str]]:
    """`--help`'s flags of a command, each with the default it shows (None where it shows none)."""
    code, out, err = cli.run(command, "--help")
    assert code == 0, err
    flags: Dict[str, Optional[str]] = {}
    current = None
    for line in out.splitlines():
        m = re.match(r"^\s+(?:-\w, )?--([a-z0-9-]+)", line)
        if m:
            current = m.group(1).replace("-", "_")
            flags[current] = None
            continue
        d = re.search(r"\[default: ([^\]]*)\]", line)
        if d and current is not None:
            flags[current] = d.group(1)
    return flags


def same(stub: Any, shown: Optional[str]) -> bool:
    if shown is None:
        return stub in (None, False, REQUIRED, ())
    if isinstance(stub, bool):
        return str(stub).lower() == shown
    if isinstance(stub, (int, float)):
        return float(shown) == float(stub)
    if isinstance(stub, (tuple, list)):
        # A list flag shows its default as the values joined by commas.
        return ",".join(map(str, stub)) == shown
    return str(stub) == shown


@pytest.mark.parametrize("function, command", sorted(COMMANDS.items()))
def test_stub_keywords_are_the_cli_flags_with_its_defaults(cli, function, command):
    stub = stub_defaults()[function]
    shown = help_defaults(cli, command)
    flags = {f for f in shown if f not in NOT_KEYWORDS} - CLI_ONLY.get(function, set())
    keywords = set(stub) - {"catalog", "ids"} - POSITIONAL.get(function, set()) - PYTHON_ONLY.get(function, set())
    assert keywords == flags, (sorted(keywords - flags), sorted(flags - keywords))
    wrong = {
        k: (stub[k], shown[k])
        for k in keywords
        if not same(stub[k], shown[k]) and NONE_MEANS.get((function, k)) != shown[k]
    }
    assert not wrong, wrong


def test_runtime_signatures_match_the_stubs():
    stubs = stub_defaults()
    functions = ["chips", "chip", "models", "model", *COMMANDS]
    for name in functions:
        f = getattr(xpuscope, name, None) or getattr(xpuscope._xpuscope, name)
        sig = inspect.signature(f)
        names = [p for p in sig.parameters if sig.parameters[p].kind is not inspect.Parameter.VAR_POSITIONAL]
        stub_names = [p for p in stubs[name] if p != "ids"]
        assert names == stub_names, name
        for p in names:
            d = sig.parameters[p].default
            # PyO3 writes a default computed from a constant as `...`; literals must agree.
            if d is inspect.Parameter.empty:
                assert stubs[name][p] is REQUIRED, (name, p)
            elif d is not Ellipsis:
                assert d == stubs[name][p] or (d is None and stubs[name][p] == ()), (name, p, d)


def test_every_public_function_is_stubbed_and_documented():
    stubs = stub_defaults()
    for name in ["chips", "chip", "models", "model", "export", "infer", "serve", "train", "plan", "compare"]:
        assert name in stubs
        doc = getattr(xpuscope, name).__doc__
        assert doc and "json" in doc.lower(), name
    assert "DataFrame" in xpuscope.sweep.__doc__
