"""The nightly refresh of the quota used recounts the partners whose windows moved (a
solicitation left or entered a rule's window, a pause ended, a sibling was solicited) and
ends with the levels a recount of everyone gives; a new rule makes it recount everyone."""
import random

from odoo import fields
from odoo.addons.cci_marketing.models.res_partner_figures_nightly import (
    FULL_EVERY_PARAM,
    FULL_REFRESH_PARAM,
    WATERMARK_PARAM,
)

from .common import PressureCase

START = 30  # days after cls.day: later than what the test writes today


class TestNightlyPressure(PressureCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Param = cls.env["ir.config_parameter"].sudo()
        cls.Param.set_param(WATERMARK_PARAM, False)
        cls.Param.set_param(FULL_EVERY_PARAM, "1000")
        cls.rule("T two a week", 2, 7)
        cls.rule("T three a month per company", 3, 30, scope="company")
        for n, days in enumerate((-40, -25, -9, -6.5, -2, 1.5)):
            cls.sent(cls.contact_a if n % 2 else cls.contact_b, cls.at(START + days + 0.3),
                     category=cls.offer if n % 3 == 0 else cls.newsletter,
                     name="Past mailing %d" % n)
        cls.env["cci.interaction"]._record([{  # a visit planned ahead counts from its day
            "date": cls.at(START + 12.3), "kind": "meeting", "partner_id": cls.loner.id,
            "name": "Visite", "is_solicitation": True, "cci_category_id": cls.newsletter.id,
            "source_model": "test.fact", "source_id": 1}])
        cls.loner.write({"cci_no_solicit_until": fields.Date.to_string(
            (cls.day + __import__("datetime").timedelta(days=START + 4)).date())})

    def nightly(self, days):
        return self.env["res.partner"]._cci_refresh_since_last_run(now=self.at(START + days))

    def test_day_after_day_the_levels_of_a_recount_of_everyone(self):
        Partner = self.env["res.partner"]
        self.assertIsNone(self.nightly(0))
        self.assertFalse(self.Param.get_param(FULL_REFRESH_PARAM))
        day, moved = 0, set()
        for n, step in enumerate(random.Random(17).choices([1 / 24, 0.5, 1, 1, 2, 3], k=40)):
            day += step
            if n == 10:  # a newsletter to Jeanne: her colleagues' company quota moves too
                self.sent(self.contact_a, self.at(START + day - 0.2), category=self.newsletter)
            ids = self.nightly(day)
            self.assertIsNotNone(ids)
            moved.update(ids)
            self.assertEqual(Partner._cci_refresh_pressure(None, now=self.at(START + day)),
                             [], "day %s: other levels than a recount of everyone" % day)
        self.assertGreater(day, 45)
        self.assertIn(self.loner.id, moved)

    def test_a_new_rule_makes_everyone_recounted(self):
        self.nightly(0)
        self.assertIsNotNone(self.nightly(1))
        self.rule("T one a day", 1, 1)
        self.assertTrue(self.Param.get_param(FULL_REFRESH_PARAM))
        self.assertIsNone(self.nightly(2), "the next run recounts everyone")
        self.assertEqual(self.env["res.partner"]._cci_refresh_pressure(
            None, now=self.at(START + 2)), [])
        self.offer.write({"weight": 3})
        self.assertIsNone(self.nightly(3), "a category's weight too")
