from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from .common import PressureCase


class TestPartnerPressure(PressureCase):
    """res.partner.cci_pressure and the partner's stored level count as the check counts."""

    def setUp(self):
        super().setUp()
        self.weekly = self.rule("T two a week", 2, 7)
        self.monthly = self.rule("T three a month per company", 3, 30, scope="company")
        # Jeanne got an offer (2) from Formation 3 days before the date, Louis a newsletter
        # (1) from International 10 days before, and International plans another for him
        self.sent(self.contact_a, self.at(-3), category=self.offer,
                  department=self.dep_formation)
        self.sent(self.contact_b, self.at(-10), category=self.newsletter,
                  department=self.dep_international)
        self.planned(self.contact_b, self.at(2), category=self.newsletter,
                     department=self.dep_international)

    def rules(self, answer):
        return {r["name"]: (r["scope"], r["used"], r["max"], r["by_department"])
                for r in answer["rules"]}

    def test_per_rule_departments_and_next_free_date(self):
        partners = self.contact_a | self.loner
        answer = partners.sudo(self.employee).cci_pressure(date=self.at())
        self.assertEqual(set(answer), {str(self.contact_a.id), str(self.loner.id)})
        jeanne = answer[str(self.contact_a.id)]
        self.assertEqual(self.rules(jeanne), {
            "T two a week": ("contact", 2.0, 2.0, {"T Formation": 2.0}),
            # the company counts Louis's newsletter and the one planned for him
            "T three a month per company": ("company", 4.0, 3.0, {
                "T Formation": 2.0, "T International": 2.0}),
        })
        self.assertFalse(jeanne["blocked_until"])
        # the company frees up when the offer leaves the 30 days (the planned one stays)
        self.assertEqual(jeanne["next_free_date"], self.at(27))
        sophie = answer[str(self.loner.id)]
        self.assertEqual({r["name"]: r["used"] for r in sophie["rules"]},
                         {"T two a week": 0.0, "T three a month per company": 0.0})
        self.assertEqual(sophie["next_free_date"], self.at())

    def test_same_answer_as_the_check(self):
        mailing = self.create_mailing(self.contact_a, self.dep_international)
        free = self.contact_a.cci_pressure(date=self.at())[str(self.contact_a.id)]
        self.assertEqual(self.check(mailing)["suggested_date"], free["next_free_date"])
        self.assertEqual(self.check(mailing, 26)["over_quota"], 1)
        self.assertEqual(self.check(mailing, 27)["over_quota"], 0)
        # a statutory notice never counts: free at once
        answer = self.contact_a.cci_pressure(date=self.at(), category_id=self.statutory.id)
        self.assertEqual(answer[str(self.contact_a.id)]["next_free_date"], self.at())
        # a rule that no offer fits: never free for an offer
        self.rule("T nothing heavy", 1.5, 7)
        answer = self.contact_a.cci_pressure(date=self.at(), category_id=self.offer.id)
        self.assertFalse(answer[str(self.contact_a.id)]["next_free_date"])

    def test_paused_contact_is_blocked(self):
        until = fields.Date.to_string((self.day + timedelta(days=5)).date())
        self.loner.write({"cci_no_solicit_until": until})
        self.assertEqual(self.loner.cci_pressure_level, "blocked")
        answer = self.loner.cci_pressure(date=self.at())[str(self.loner.id)]
        self.assertEqual(answer["blocked_until"], until)
        self.assertEqual(answer["next_free_date"], self.at(5))
        self.loner.write({"cci_no_solicit_until": False})
        self.assertEqual(self.loner.cci_pressure_level, "none")

    def test_stored_level_says_what_the_check_says(self):
        self.rule("T one and a half a month", 1.5, 30)
        self.sent(self.loner, self.at(-2), category=self.newsletter)
        # 1 of 1.5 used: 67 %, but one more would exceed it, as the check says
        self.assertEqual((self.loner.cci_pressure_ratio, self.loner.cci_pressure_level),
                         (67, "full"))
        mailing = self.create_mailing(self.loner, self.dep_international)
        self.assertEqual(mailing.cci_check_pressure()["over_quota"], 1)
        self.env["res.partner"]._cron_cci_refresh_tracking_fields()
        self.assertEqual(self.loner.cci_pressure_level, "full")

    def test_rights_and_bad_input(self):
        portal = self.env["res.users"].create({
            "name": "T Portal", "login": "t_portal_pressure",
            "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])]})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.contact_a.sudo(portal).cci_pressure()
        Partner = self.contact_a.sudo(self.employee)
        with self.assertRaisesRegex(UserError, "date to look at"):
            Partner.cci_pressure(date="next week")
        with self.assertRaisesRegex(UserError, "There is no category"):
            Partner.cci_pressure(category_id=999999999)
        with self.assertRaisesRegex(UserError, "There is no department"):
            Partner.cci_pressure(department_id="Formation")
        self.assertEqual(self.env["res.partner"].cci_pressure(), {})
