"""Bad input to the contract of cci_pressure: refused in plain words, nothing written."""

from odoo.exceptions import UserError, ValidationError

from .common import PressureCase

NAN = float("nan")
INF = float("inf")


class TestBadInput(PressureCase):
    def refused(self, *words):
        """A UserError or ValidationError in whole words, with ``words``; what the block
        wrote is rolled back."""
        return super().refused(*words, errors=(UserError, ValidationError), rolled_back=True)

    def test_quota_values(self):
        Rule = self.env["cci.pressure.rule"].sudo(self.moderator).with_context(
            active_test=False)
        count = Rule.search_count([])
        rule = self.rule("T rule", 3, 7)
        cases = [("window_days", v, "whole number of days") for v in (
            1.5, 7.25, "x", "7", None, False, [7], NAN, INF, True)]
        cases += [("window_days", v, "between 1 and 365") for v in (0, -1, 366)]
        cases += [("max_weight", v, "must be a number") for v in (
            "x", "3", None, [3], NAN, INF, -INF, True)]
        cases += [("max_weight", -1, "negative"), ("max_weight", 1e9, "more than 1000")]
        cases += [("scope", v, "'contact'") for v in ("foo", "", None, 1, ["contact"])]
        cases += [("name", v, "needs a name") for v in ("", "  ", None, False, 3)]
        for field, value, words in cases:
            vals = {"name": "T bad", "window_days": 30, "max_weight": 4, "scope": "contact"}
            vals[field] = value
            with self.refused(words):
                Rule.create(vals)
            with self.refused(words):
                rule.sudo(self.moderator).write({field: value})
        self.assertEqual(Rule.search_count([]), count + 1)
        rule.invalidate_cache()
        self.assertEqual((rule.name, rule.window_days, rule.max_weight, rule.scope),
                         ("T rule", 7, 3, "contact"))
        # whole numbers written as floats are whole numbers
        rule.sudo(self.moderator).write({"window_days": 14.0, "max_weight": 2.5})
        self.assertEqual((rule.window_days, rule.max_weight), (14, 2.5))

    def test_category_values(self):
        Category = self.env["cci.mailing.category"].sudo(self.moderator).with_context(
            active_test=False)
        count = Category.search_count([])
        cases = [("weight", v, "must be a number") for v in (
            "x", "1", None, False, [1], NAN, INF, -INF, True)]
        cases += [("weight", -0.5, "negative"), ("weight", 1e6, "more than 100")]
        cases += [("name", v, "needs a name") for v in ("", " \t", None, False)]
        for field, value, words in cases:
            vals = {"name": "T bad", "weight": 1}
            vals[field] = value
            with self.refused(words):
                Category.create(vals)
            with self.refused(words):
                self.newsletter.sudo(self.moderator).write({field: value})
        self.assertEqual(Category.search_count([]), count)
        self.newsletter.invalidate_cache()
        self.assertEqual((self.newsletter.name, self.newsletter.weight), ("T Newsletter", 1))

    def test_check_and_suggest_arguments(self):
        mailing = self.create_mailing(self.contact_a, user=self.user_formation,
                                      cci_category_id=self.newsletter.id)
        other = self.create_mailing(self.contact_b, user=self.user_formation,
                                    cci_category_id=self.newsletter.id)
        for date, words in (("9999-12-31 00:00:00", "2100"), ("1900-01-01", "2100"),
                            ("31/12/2026", "YYYY"), (12345, "YYYY"), (True, "YYYY")):
            with self.refused(words):
                mailing.cci_check_pressure(date=date)
        for records in (mailing | other, mailing.browse()):
            with self.refused("one mailing"):
                records.cci_check_pressure()
            with self.refused("one mailing"):
                records.cci_suggest_date()
        for horizon in (NAN, INF, 1.5, -1, None, [90]):
            with self.refused("whole number"):
                mailing.cci_suggest_date(horizon_days=horizon)

    def test_no_solicitation_date(self):
        for value in ("31/12/2026", "2026-13-01", "demain", 12345, True, ["2026-06-01"]):
            with self.refused("YYYY-MM-DD"):
                self.loner.write({"cci_no_solicit_until": value})
        for value in ("9999-12-31", "1900-01-01"):
            with self.refused("2999"):
                self.loner.write({"cci_no_solicit_until": value})
        with self.refused("2999"):
            self.env["res.partner"].create(
                {"name": "T Far", "cci_no_solicit_until": "9999-12-31"})
        self.assertFalse(self.loner.cci_no_solicit_until)
        self.loner.write({"cci_no_solicit_until": "2026-12-31"})
        self.assertEqual(self.loner.cci_no_solicit_until, "2026-12-31")
        self.loner.write({"cci_no_solicit_until": "2999-01-01"})  # never
        self.assertEqual(self.loner.cci_no_solicit_until, "2999-01-01")
