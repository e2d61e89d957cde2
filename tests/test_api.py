"""The public API: every name in riskmodel.__all__ resolves; the core stays light."""

from __future__ import annotations

import subprocess
import sys

import riskmodel


def test_every_public_name_resolves():
    for name in riskmodel.__all__:
        assert getattr(riskmodel, name) is not None, name


def test_unknown_name_is_an_attribute_error():
    try:
        riskmodel.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_core_does_not_import_plotting():
    code = (
        "import sys, riskmodel\n"
        "from riskmodel import EventStore, build_panel, backtest, EscalationClassifier\n"
        "import riskmodel.reporting, riskmodel.plotting\n"
        "assert 'matplotlib' not in sys.modules, sorted(m for m in sys.modules if 'matplotlib' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_help_for_every_verb():
    from riskmodel.cli import COMMANDS

    for verb in COMMANDS:
        proc = subprocess.run([sys.executable, "-m", "riskmodel", verb, "--help"],
                              capture_output=True, text=True)
        assert proc.returncode == 0, (verb, proc.stderr)
        assert "usage: riskmodel" in proc.stdout
