"""The counting and the suggestion again, the ledger's window read in one pass: the way of
large audiences (above ONE_PASS_AUDIENCE recipients), which the small audiences of the
other tests never take."""
from unittest.mock import patch

from odoo.addons.cci_pressure.models import cci_pressure_engine

from . import test_pressure_check, test_pressure_suggest  # modules: their classes run once


class OnePass:
    def setUp(self):
        super().setUp()
        patcher = patch.object(cci_pressure_engine, "ONE_PASS_AUDIENCE", 0)
        patcher.start()
        self.addCleanup(patcher.stop)


class TestPressureCountingOnePass(OnePass, test_pressure_check.TestPressureCounting):
    pass


class TestPressureSuggestionOnePass(OnePass, test_pressure_suggest.TestPressureSuggestion):
    pass
