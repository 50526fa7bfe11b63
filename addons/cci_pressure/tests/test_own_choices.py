import xmlrpc.client
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError

from .common import PressureCase


class TestOwnChoices(PressureCase):
    """The contact's own say: a cap of their own, opt-outs of a department or a kind of
    message; obeyed by the check and at send time, written on the timeline."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the employee edits contacts (Odoo's "Contact creation" right), so that what stops
        # them is the chamber's rule, not Odoo's; the department member does not
        partner_manager = cls.env.ref("base.group_partner_manager")
        cls.employee.write({"groups_id": [(4, partner_manager.id)]})

    def mailing(self, partners, category=None, department=None, **vals):
        department = department or self.dep_formation
        return self.create_mailing(partners, department,
                                   cci_category_id=(category or self.newsletter).id, **vals)

    def held_back(self, mailing):
        return {row.partner_id: row.name for row in self.env["cci.interaction"].search(
            [("mass_mailing_id", "=", mailing.id), ("kind", "=", "mailing_excluded")])}

    def reached(self, mailing):
        return set(self.env["mail.mail.statistics"].search(
            [("mass_mailing_id", "=", mailing.id)]).mapped("res_id"))

    # ------------------------------------------------------------------
    # The own cap
    # ------------------------------------------------------------------

    def test_own_cap_counts_like_a_contact_rule_of_weight_one(self):
        self.rule("T generous", 10, 30)
        self.contact_a.cci_own_limit = "month"
        self.contact_b.cci_own_limit = "week"
        self.sent(self.contact_a | self.contact_b | self.loner, self.at(-10), category=self.offer)
        result = self.check(self.mailing(self.contact_a | self.contact_b | self.loner))
        # a: one in the last 30 days; b: none in the last 7; the loner chose nothing
        self.assertEqual(result["over_quota"], 1)
        self.assertEqual(result["by_rule"], {"own choice: 1 a month": 1})
        # free again once the solicitation has left the month: 20 days later
        self.assertEqual(result["suggested_date"], self.at(20))
        self.assertEqual(self.check(self.mailing(self.contact_a), days=20)["over_quota"], 0)

    def test_own_cap_named_in_french(self):
        self.contact_a.cci_own_limit = "month"
        self.sent(self.contact_a, self.at(-1))
        result = self.mailing(self.contact_a).with_context(lang="fr_FR").cci_check_pressure(
            date=self.at(0))
        self.assertEqual(result["by_rule"], {"choix du contact : 1 par mois": 1})

    def test_a_statutory_notice_ignores_the_own_choices(self):
        self.contact_a.write({"cci_own_limit": "quarter",
                              "cci_optout_category_ids": [(6, 0, self.statutory.ids)]})
        self.sent(self.contact_a, self.at(-1))
        self.assertEqual(
            self.check(self.mailing(self.contact_a, category=self.statutory))["over_quota"], 0)
        # ... and a statutory notice received does not use up the own cap
        self.contact_b.cci_own_limit = "quarter"
        self.sent(self.contact_b, self.at(-1), category=self.statutory)
        self.assertEqual(self.check(self.mailing(self.contact_b))["over_quota"], 0)

    def test_own_cap_holds_back_at_send_time_with_the_reason(self):
        self.contact_a.cci_own_limit = "month"
        self.sent(self.contact_a | self.contact_b, self.at(-5), department=self.dep_international)
        mailing = self.planned(self.contact_a | self.contact_b, False, category=self.newsletter,
                               name="Lettre Formation")
        mailing.send_mail()
        self.assertEqual(self.reached(mailing), {self.contact_b.id})
        reasons = self.held_back(mailing)
        self.assertEqual(list(reasons), [self.contact_a])
        self.assertIn("own choice: 1 a month", reasons[self.contact_a])
        self.assertIn("Lettre Formation", reasons[self.contact_a])

    # ------------------------------------------------------------------
    # Opt-outs of a department or a kind of message
    # ------------------------------------------------------------------

    def test_department_opt_out_leaves_out_only_that_department(self):
        self.contact_a.cci_optout_department_ids = self.dep_formation
        formation = self.mailing(self.contact_a | self.contact_b)
        result = self.check(formation)
        self.assertEqual(result["by_rule"],
                         {"own choice: no mailings from %s" % self.dep_formation.name: 1})
        self.assertEqual(result["suggested_over_quota"], 1)  # no later date helps
        international = self.mailing(self.contact_a | self.contact_b,
                                     department=self.dep_international)
        self.assertEqual(self.check(international)["over_quota"], 0)

    def test_category_opt_out_at_send_time(self):
        self.contact_b.cci_optout_category_ids = self.offer
        offer = self.planned(self.contact_a | self.contact_b, False, category=self.offer,
                             name="Offre")
        newsletter = self.planned(self.contact_a | self.contact_b, False,
                                  category=self.newsletter, name="Lettre")
        self.env["mail.mass_mailing"]._process_mass_mailing_queue()
        self.assertEqual(self.reached(offer), {self.contact_a.id})
        self.assertIn("own choice: no messages of the kind %s" % self.offer.name,
                      self.held_back(offer)[self.contact_b])
        self.assertEqual(self.reached(newsletter), {self.contact_a.id, self.contact_b.id})
        self.assertFalse(self.held_back(newsletter))

    # ------------------------------------------------------------------
    # The timeline, the rights, the input
    # ------------------------------------------------------------------

    def test_each_change_is_a_row_on_the_timeline(self):
        partner = self.contact_a.sudo(self.user_formation)
        partner.write({"cci_own_limit": "month",
                       "cci_optout_department_ids": [(6, 0, self.dep_international.ids)]})
        partner.write({"cci_own_limit": "month"})  # nothing changed: no row
        partner.write({"cci_optout_category_ids": [(4, self.offer.id)]})
        rows = self.contact_a.cci_timeline(kinds=["preference_changed"])
        self.assertEqual(len(rows), 2)
        xmlrpc.client.dumps((rows,), allow_none=False)
        newest, oldest = rows
        self.assertIn("at most one message a month", oldest["name"])
        self.assertIn("no mailings from %s" % self.dep_international.name, oldest["name"])
        self.assertIn(self.user_formation.name, oldest["name"])
        self.assertEqual(oldest["department"], self.dep_formation.name)
        self.assertIn("no messages of the kinds %s" % self.offer.name, newest["name"])
        self.assertNotIn("a month", newest["name"])
        row = self.env["cci.interaction"].browse(newest["id"])
        self.assertEqual(row.user_id, self.user_formation)
        self.assertFalse(row.is_solicitation)
        # every employee reads it, on the company's timeline too
        self.assertEqual(len(self.company.sudo(self.employee).cci_timeline(
            kinds=["preference_changed"])), 2)
        # the pause is a choice too
        self.contact_a.cci_no_solicit_until = fields.Date.to_string(self.day + timedelta(days=9))
        self.assertIn("no solicitation before",
                      self.contact_a.cci_timeline(kinds=["preference_changed"])[0]["name"])

    def test_only_the_chamber_staff_change_the_choices(self):
        self.contact_a.sudo(self.user_formation).cci_own_limit = "week"
        self.assertEqual(self.contact_a.sudo(self.employee).cci_own_limit, "week")
        with self.assertRaises(AccessError):
            self.contact_a.sudo(self.employee).write({"cci_own_limit": "month"})
        # the member notes the contact's wish, but edits nothing else of the contact
        with self.assertRaises(AccessError):
            self.contact_a.sudo(self.user_formation).write({"cci_own_limit": "month",
                                                            "name": "Renamed"})
        self.assertEqual(self.contact_a.cci_own_limit, "week")

    def test_bad_input_is_refused_in_words(self):
        partner = self.contact_a.sudo(self.user_formation)
        with self.assertRaises(UserError) as err:
            partner.write({"cci_own_limit": "fortnight"})
        self.assertIn("fortnight", err.exception.name)
        with self.assertRaises(UserError) as err:
            partner.write({"cci_optout_department_ids": [(6, 0, [999999])]})
        self.assertIn("999999", err.exception.name)
        with self.assertRaises(UserError):
            partner.write({"cci_optout_category_ids": "Newsletter"})
        self.assertEqual(self.contact_a.cci_own_limit, "none")
        self.assertFalse(self.contact_a.cci_optout_department_ids)
        self.assertFalse(self.env["cci.interaction"].search(
            [("partner_id", "=", self.contact_a.id), ("kind", "=", "preference_changed")]))
        partner.write({"cci_own_limit": False})  # cleared: no limit
        self.assertEqual(self.contact_a.cci_own_limit, "none")
