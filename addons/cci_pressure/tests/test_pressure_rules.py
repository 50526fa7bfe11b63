from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import mute_logger

from .common import PressureCase


class TestPressureConfiguration(PressureCase):
    """Categories and quotas: shipped defaults, bad values refused, only moderators edit."""

    def test_default_categories_and_rules_ship_as_data(self):
        weights = {
            "cci_mailing_category_newsletter": 1,
            "cci_mailing_category_invitation": 1,
            "cci_mailing_category_commercial": 2,
            "cci_mailing_category_statutory": 0,
        }
        for xmlid, weight in weights.items():
            self.assertEqual(self.env.ref("cci_pressure." + xmlid).weight, weight)
        week = self.env.ref("cci_pressure.cci_pressure_rule_contact_week")
        self.assertEqual((week.window_days, week.max_weight, week.scope), (7, 2, "contact"))
        month = self.env.ref("cci_pressure.cci_pressure_rule_company_month")
        self.assertEqual((month.window_days, month.max_weight, month.scope), (30, 6, "company"))
        self.assertIn("per company", month.summary)

    def test_moderator_manages_categories_and_rules(self):
        Category = self.env["cci.mailing.category"].sudo(self.moderator)
        category = Category.create({"name": "Survey", "weight": 0.5})
        category.write({"weight": 1.5})
        Rule = self.env["cci.pressure.rule"].sudo(self.moderator)
        rule = Rule.create({
            "name": "Three offers a quarter", "window_days": 90, "max_weight": 6,
            "category_ids": [(6, 0, [self.offer.id])],
            "department_ids": [(6, 0, [self.dep_formation.id])],
        })
        rule.write({"max_weight": 4, "scope": "company"})
        self.assertEqual(rule.summary, "At most 4 in 90 days per company")
        rule.unlink()
        category.unlink()

    def test_department_members_read_but_cannot_change_quotas(self):
        rule = self.rule("T rule", 2, 7)
        as_member = rule.sudo(self.user_formation)
        self.assertEqual(as_member.max_weight, 2)
        self.assertTrue(self.newsletter.sudo(self.employee).name)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            as_member.write({"max_weight": 10})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.env["cci.pressure.rule"].sudo(self.user_formation).create(
                {"name": "Mine", "window_days": 7, "max_weight": 99})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            as_member.unlink()
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.newsletter.sudo(self.user_formation).write({"weight": 0})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.env["cci.mailing.category"].sudo(self.employee).create({"name": "Spam"})

    def test_bad_values_are_refused_and_nothing_is_written(self):
        Rule = self.env["cci.pressure.rule"].sudo(self.moderator)
        count = Rule.with_context(active_test=False).search_count([])
        cases = [
            ({"window_days": 0, "max_weight": 2}, "between 1 and 365 days"),
            ({"window_days": 400, "max_weight": 2}, "between 1 and 365 days"),
            ({"window_days": 7, "max_weight": -1}, "cannot be negative"),
        ]
        for values, message in cases:
            with self.assertRaises(ValidationError) as err, self.env.cr.savepoint():
                Rule.create(dict(values, name="Bad"))
            self.assertIn(message, err.exception.name)
        self.assertEqual(Rule.with_context(active_test=False).search_count([]), count)
        rule = self.rule("T rule", 2, 7)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            rule.sudo(self.moderator).write({"window_days": 0})
        self.assertEqual(rule.window_days, 7)
        with self.assertRaises(ValidationError) as err, self.env.cr.savepoint():
            self.env["cci.mailing.category"].sudo(self.moderator).create(
                {"name": "Negative", "weight": -1})
        self.assertIn("cannot be negative", err.exception.name)

    def test_names_are_unique(self):
        self.rule("T unique", 2, 7)
        with self.assertRaises(IntegrityError), self.env.cr.savepoint(), \
                mute_logger("odoo.sql_db"):
            self.rule("T unique", 3, 30)

    def test_submitting_needs_a_category(self):
        mailing = self.create_mailing(self.contact_a, user=self.user_formation)
        with self.assertRaises(UserError) as err:
            mailing.sudo(self.user_formation).action_cci_submit()
        self.assertIn("category", err.exception.name)
        self.assertEqual(mailing.cci_moderation_state, "draft")
        mailing.sudo(self.user_formation).write({"cci_category_id": self.newsletter.id})
        self.assertIs(mailing.sudo(self.user_formation).action_cci_submit(), True)
        self.assertEqual(mailing.cci_moderation_state, "submitted")

    def test_changing_the_category_of_an_approved_mailing_needs_a_new_decision(self):
        mailing = self.create_mailing(self.contact_a, user=self.user_formation,
                                      cci_category_id=self.newsletter.id)
        mailing.sudo(self.user_formation).action_cci_submit()
        mailing.sudo(self.moderator).action_cci_approve(self.at(2))
        self.assertEqual(mailing.cci_moderation_state, "approved")
        mailing.sudo(self.user_formation).write({"cci_category_id": self.offer.id})
        self.assertEqual(mailing.cci_moderation_state, "submitted")

    def test_followup_keeps_the_category(self):
        mailing = self.sent(self.contact_a, self.at(-2), category=self.offer)
        followup_id = mailing.sudo(self.user_formation).action_cci_create_followup("not_opened")
        followup = self.env["mail.mass_mailing"].browse(followup_id)
        self.assertEqual(followup.cci_category_id, self.offer)
