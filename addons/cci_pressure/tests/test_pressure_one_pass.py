"""The counting and the suggestion again, the ledger's window read in one pass: the way of
large audiences (above ONE_PASS_AUDIENCE recipients), which the small audiences of the
other tests never take; and the sending's check counting the window whole, the way of an
audience of most of the chamber (from WHOLE_WINDOW_SHARE of the partners)."""
from unittest.mock import patch

from odoo.addons.cci_pressure.models import cci_pressure_engine

# modules, not classes: their classes run once
from . import test_pressure_check, test_pressure_send, test_pressure_suggest
from .common import PressureCase


class OnePass:
    patched = {"ONE_PASS_AUDIENCE": 0}

    def setUp(self):
        super().setUp()
        for name, value in self.patched.items():
            patcher = patch.object(cci_pressure_engine, name, value)
            patcher.start()
            self.addCleanup(patcher.stop)


class WholeWindow(OnePass):
    patched = {"ONE_PASS_AUDIENCE": 0, "WHOLE_WINDOW_SHARE": 0}


class TestPressureCountingOnePass(OnePass, test_pressure_check.TestPressureCounting):
    pass


class TestPressureSuggestionOnePass(OnePass, test_pressure_suggest.TestPressureSuggestion):
    pass


class TestPressureAtSendTimeOnePass(OnePass, test_pressure_send.TestPressureAtSendTime):
    pass


class TestPressureAtSendTimeWholeWindow(WholeWindow, test_pressure_send.TestPressureAtSendTime):

    def test_others_over_quota_are_not_the_audience(self):
        """The window counted whole finds contacts and companies over quota outside the
        audience: none of them is said to be over, nor anyone else of their company."""
        self.rule("T one a week", 1, 7)
        self.rule("T one a week per company", 1, 7, scope="company")
        self.sent(self.contact_a, self.at(-2))
        mailing = self.planned(self.loner, False, category=self.newsletter)
        run = mailing.sudo()._cci_pressure_run(self.day, 0, sending=True)
        self.assertEqual((run["total"], run["over"]), (1, {}))
        mailing = self.planned(self.contact_b | self.loner, False, category=self.newsletter)
        run = mailing.sudo()._cci_pressure_run(self.day, 0, sending=True)
        self.assertEqual(set(run["over"]), {self.contact_b.id})  # contact_a's company


class TestThresholdsNotSet(PressureCase):

    def test_a_threshold_not_set_is_its_default(self):
        """Not set, the thresholds are the engine's own: a small audience is read key by key,
        a large one in one pass, the whole window only from a quarter of the partners."""
        Param = self.env["ir.config_parameter"].sudo()
        for key in (cci_pressure_engine.ONE_PASS_PARAM, cci_pressure_engine.WHOLE_WINDOW_PARAM):
            Param.search([("key", "=", key)]).unlink()
        self.assertEqual(self.env["cci.pressure.engine"]._one_pass_audience(),
                         cci_pressure_engine.ONE_PASS_AUDIENCE)
        self.assertEqual(Param._cci_number(cci_pressure_engine.WHOLE_WINDOW_PARAM, 0.5),
                         0.5)
