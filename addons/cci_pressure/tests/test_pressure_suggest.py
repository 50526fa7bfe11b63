from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from .common import PressureCase


class TestPressureSuggestion(PressureCase):
    """The suggested date: the first day within 90 days with the fewest over quota."""

    def mailing(self, partners, **vals):
        vals.setdefault("cci_category_id", self.newsletter.id)
        vals.setdefault("cci_requested_date", self.at(0))
        return self.create_mailing(partners, user=self.user_formation, **vals)

    def test_suggests_the_day_the_quota_frees_up(self):
        self.rule("T one a week", 1, 7)
        self.sent(self.contact_a, self.at(-2))
        mailing = self.mailing(self.contact_a | self.loner)
        result = mailing.cci_check_pressure()
        self.assertEqual(result["date"], self.at(0))
        self.assertEqual(result["over_quota"], 1)
        self.assertEqual(result["suggested_date"], self.at(5))
        self.assertEqual(result["suggested_over_quota"], 0)
        self.assertEqual(mailing.cci_suggest_date(), self.at(5))
        # nothing better within 3 days: the date itself is the first with the fewest
        self.assertEqual(mailing.cci_suggest_date(horizon_days=3), self.at(0))

    def test_planned_mailings_push_the_suggestion_further(self):
        self.rule("T one a week", 1, 7)
        self.sent(self.contact_a, self.at(-2))
        self.planned(self.contact_a, self.at(10))
        # free from day 5 for the past one, busy from day 4 to 16 for the planned one
        self.assertEqual(self.mailing(self.contact_a).cci_suggest_date(), self.at(17))

    def test_the_quota_frees_up_when_what_remains_fits(self):
        self.rule("T two a week", 2, 7)
        self.sent(self.contact_a, self.at(-6), category=self.offer)  # weighs 2, until day 0
        self.sent(self.contact_a, self.at(-1))                       # until day 5
        self.sent(self.contact_b, self.at(-5))                       # until day 1
        self.sent(self.contact_b | self.loner, self.at(-2))          # until day 4
        self.sent(self.contact_b, self.at(-2), name="Other mailing")  # until day 4
        self.assertEqual(self.mailing(self.contact_a).cci_suggest_date(), self.at(1))
        result = self.mailing(self.contact_a | self.contact_b | self.loner).cci_check_pressure()
        self.assertEqual((result["over_quota"], result["suggested_over_quota"]), (2, 0))
        self.assertEqual(result["suggested_date"], self.at(5))

    def test_the_first_day_nobody_is_over_not_a_later_one(self):
        self.rule("T one a week", 1, 7)
        self.sent(self.contact_a, self.at(-6))   # over on day 0 only
        self.planned(self.contact_b, self.at(8))  # over from day 2 to day 14
        result = self.mailing(self.contact_a | self.contact_b).cci_check_pressure()
        self.assertEqual(result["over_quota"], 1)
        self.assertEqual((result["suggested_date"], result["suggested_over_quota"]),
                         (self.at(1), 0))

    def test_the_fewest_when_nobody_can_be_reached_by_all(self):
        self.rule("T one a week", 1, 7)
        self.sent(self.contact_a, self.at(-2))
        self.contact_b.cci_no_solicit_until = fields.Date.to_string(
            self.day + timedelta(days=100))
        result = self.mailing(self.contact_a | self.contact_b).cci_check_pressure()
        self.assertEqual(result["over_quota"], 2)
        self.assertEqual(result["suggested_date"], self.at(5))
        self.assertEqual(result["suggested_over_quota"], 1)

    def test_no_suggestion_when_nobody_is_over(self):
        self.rule("T one a week", 1, 7)
        self.sent(self.contact_a, self.at(-9))
        mailing = self.mailing(self.contact_a)
        self.assertIs(mailing.cci_check_pressure()["suggested_date"], False)
        self.assertIs(mailing.cci_suggest_date(), False)
        self.assertFalse(mailing.cci_pressure_better)

    def test_company_quota_frees_up_for_every_contact(self):
        self.rule("T one a week per company", 1, 7, scope="company")
        self.sent(self.contact_a, self.at(-3))
        self.assertEqual(self.mailing(self.contact_b).cci_suggest_date(), self.at(4))

    def test_the_moderator_postpones_to_the_suggested_date(self):
        self.rule("T one a week", 1, 7)
        self.sent(self.contact_a, self.at(-2))
        mailing = self.mailing(self.contact_a)
        mailing.sudo(self.user_formation).action_cci_submit()
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            mailing.sudo(self.user_formation).action_cci_postpone_to_suggested()
        self.assertIs(mailing.sudo(self.moderator).action_cci_postpone_to_suggested(), True)
        self.assertEqual(mailing.cci_moderation_state, "approved")
        self.assertEqual(mailing.schedule_date, self.at(5))
        self.assertEqual(mailing.state, "in_queue")
        self.assertIn("fewest", mailing.cci_moderation_note)
        # on its new date nobody is over: nothing better to move to
        self.assertEqual(mailing.cci_check_pressure()["over_quota"], 0)
        with self.assertRaises(UserError):
            mailing.sudo(self.moderator).action_cci_postpone_to_suggested()

    def test_the_requester_moves_a_draft_to_the_suggested_date(self):
        self.rule("T one a week", 1, 7)
        self.sent(self.contact_a, self.at(-2))
        mailing = self.mailing(self.contact_a)
        self.assertTrue(mailing.sudo(self.user_formation).cci_pressure_better)
        mailing.sudo(self.user_formation).action_cci_postpone_to_suggested()
        self.assertEqual(mailing.cci_requested_date, self.at(5))
        self.assertEqual(mailing.cci_moderation_state, "draft")
