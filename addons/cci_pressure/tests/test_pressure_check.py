import xmlrpc.client
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from .common import PressureCase


class TestPressureCounting(PressureCase):
    """What counts: windows, weights, scopes, planned mailings, exemptions, boundaries."""

    def mailing(self, partners, category=None, department=None):
        """A draft, prepared by a member of the department."""
        department = department or self.dep_formation
        user = self.user_formation if department == self.dep_formation \
            else self.user_international
        return self.create_mailing(partners, department, user=user,
                                   cci_category_id=(category or self.newsletter).id)

    def test_recent_mailings_count_in_the_window(self):
        rule = self.rule("T two a week", 2, 7)
        self.sent(self.contact_a, self.at(-3))
        self.sent(self.contact_b, self.at(-3))
        self.sent(self.contact_b, self.at(-1))
        self.sent(self.loner, self.at(-9))  # outside the window
        result = self.check(self.mailing(self.contact_a | self.contact_b | self.loner))
        self.assertEqual(result["total"], 3)
        self.assertEqual(result["over_quota"], 1)
        self.assertEqual(result["ok"], 2)
        self.assertEqual(result["by_rule"], {rule.name: 1})
        self.assertEqual(result["date"], self.at(0))

    def test_boundary_of_the_window(self):
        """Exactly window_days before the date is out of the window; a second later is in."""
        self.rule("T one a week", 1, 7)
        self.sent(self.contact_a, self.at(-7))
        self.sent(self.contact_b, self.at(-7, seconds=1))
        result = self.check(self.mailing(self.contact_a | self.contact_b))
        self.assertEqual(result["over_quota"], 1)
        over = self.mailing(self.contact_b).cci_check_pressure(date=self.at(0))
        self.assertEqual(over["over_quota"], 1)
        # the same seen from one second later: contact_b's mailing has left the window
        later = self.mailing(self.contact_b).cci_check_pressure(date=self.at(0, seconds=1))
        self.assertEqual(later["over_quota"], 0)

    def test_the_maximum_itself_is_allowed(self):
        self.rule("T two a week", 2, 7)
        self.sent(self.contact_a, self.at(-2))
        self.assertEqual(self.check(self.mailing(self.contact_a))["over_quota"], 0)
        self.sent(self.contact_a, self.at(-1))
        self.assertEqual(self.check(self.mailing(self.contact_a))["over_quota"], 1)

    def test_weights_of_categories(self):
        self.rule("T three a month", 3, 30)
        self.sent(self.contact_a, self.at(-5), category=self.offer)       # weighs 2
        self.sent(self.contact_b, self.at(-5), category=self.statutory)   # weighs 0
        self.sent(self.contact_b, self.at(-4))                            # no category: 1
        self.sent(self.contact_b, self.at(-3), category=self.newsletter)  # 1
        # a: 2 + 1 = 3 fits; b: 0 + 1 + 1 + 1 = 3 fits
        self.assertEqual(self.check(self.mailing(self.contact_a | self.contact_b))["over_quota"],
                         0)
        # an offer weighs 2: a: 2 + 2 = 4 and b: 2 + 2 = 4, both over
        result = self.check(self.mailing(self.contact_a | self.contact_b, category=self.offer))
        self.assertEqual(result["over_quota"], 2)

    def test_fractional_weights_add_up_exactly(self):
        survey = self.env["cci.mailing.category"].create({"name": "T Survey", "weight": 0.1})
        self.rule("T three tenths", 0.3, 30)
        self.sent(self.contact_a, self.at(-3), category=survey)
        self.sent(self.contact_a, self.at(-2), category=survey)
        # 0.1 + 0.1 + 0.1 is 0.3, not 0.30000000000000004
        self.assertEqual(self.check(self.mailing(self.contact_a, category=survey))["over_quota"],
                         0)

    def test_a_mailing_that_weighs_nothing_is_never_over(self):
        self.rule("T nothing", 0, 30)
        self.sent(self.contact_a, self.at(-1), category=self.offer)
        self.contact_b.cci_no_solicit_until = fields.Date.to_string(self.day + timedelta(days=5))
        notice = self.mailing(self.contact_a | self.contact_b, category=self.statutory)
        result = self.check(notice)
        self.assertEqual((result["over_quota"], result["ok"]), (0, 2))
        self.assertIs(result["suggested_date"], False)

    def test_a_zero_maximum_refuses_everything(self):
        rule = self.rule("T nothing at all", 0, 30)
        result = self.check(self.mailing(self.contact_a | self.loner))
        self.assertEqual(result["over_quota"], 2)
        self.assertEqual(result["by_rule"], {rule.name: 2})

    def test_company_scope_counts_the_contacts_together(self):
        rule = self.rule("T two a month per company", 2, 30, scope="company")
        self.sent(self.contact_a, self.at(-10))
        self.sent(self.contact_b, self.at(-5))
        result = self.check(self.mailing(self.contact_a | self.loner))
        self.assertEqual(result["over_quota"], 1)
        self.assertEqual(result["by_rule"], {rule.name: 1})
        # every contact of the company is over, even one who received nothing
        self.assertEqual(self.check(self.mailing(self.company))["over_quota"], 1)

    def test_company_scope_counts_a_mailing_to_several_contacts_once(self):
        self.rule("T two a month per company", 2, 30, scope="company")
        self.sent(self.contact_a | self.contact_b, self.at(-10))
        result = self.check(self.mailing(self.contact_a | self.contact_b))
        self.assertEqual(result["over_quota"], 0)
        self.assertEqual(result["total"], 2)

    def test_approved_mailings_planned_in_the_window_count(self):
        self.rule("T one a week", 1, 7)
        self.planned(self.contact_a, self.at(3))
        self.planned(self.contact_b, self.at(8))                           # too late to count
        self.planned(self.loner, self.at(2), moderation="submitted")       # not approved
        result = self.check(self.mailing(self.contact_a | self.contact_b | self.loner))
        self.assertEqual(result["over_quota"], 1)
        # planned between now and the date: in the window before it
        self.assertEqual(
            self.check(self.mailing(self.contact_b), days=10)["over_quota"], 1)
        self.assertEqual(
            self.check(self.mailing(self.contact_b), days=16)["over_quota"], 0)

    def test_a_planned_mailing_does_not_count_what_it_already_sent(self):
        self.rule("T one a week", 1, 7)
        sending = self.planned(self.contact_a | self.contact_b, self.at(-1))
        sending.write({"state": "sending"})
        self.env["mail.mail.statistics"].create({
            "model": "res.partner", "res_id": self.contact_a.id,
            "mass_mailing_id": sending.id, "scheduled": self.at(-1), "sent": self.at(-1)})
        self.env.cr.execute("SELECT count(*) FROM cci_interaction WHERE mass_mailing_id = %s",
                            (sending.id,))
        self.assertEqual(self.env.cr.fetchone()[0], 1)
        # a got it (ledger), b is about to get it (in flight): both over...
        rule = self.env["cci.pressure.rule"].search([("name", "=", "T one a week")])
        result = self.check(self.mailing(self.contact_a | self.contact_b), days=-1)
        self.assertEqual(result["over_quota"], 2)
        # ... and counted once each
        rule.max_weight = 2
        result = self.check(self.mailing(self.contact_a | self.contact_b), days=-1)
        self.assertEqual(result["over_quota"], 0)

    def test_categories_and_departments_of_a_rule(self):
        offers = self.rule("T one offer a month", 2, 30, category_ids=[(6, 0, [self.offer.id])])
        formation = self.rule("T formation: two a week", 2, 7,
                              department_ids=[(6, 0, [self.dep_formation.id])])
        self.sent(self.contact_a, self.at(-2), category=self.offer,
                  department=self.dep_international)
        self.sent(self.contact_b, self.at(-2), category=self.newsletter,
                  department=self.dep_formation)
        # a newsletter of International: neither rule applies to it
        result = self.check(self.mailing(self.contact_a | self.contact_b,
                                         department=self.dep_international))
        self.assertEqual(result["over_quota"], 0)
        # an offer of Formation: a is over the offers' rule (2 + 2), b the Formation one
        # (1 + 2)
        result = self.check(self.mailing(self.contact_a | self.contact_b, category=self.offer,
                                         department=self.dep_formation))
        self.assertEqual(result["by_rule"], {offers.name: 1, formation.name: 1})
        # a newsletter of Formation: the Formation rule counts only Formation's mailings
        result = self.check(self.mailing(self.contact_a, department=self.dep_formation))
        self.assertEqual(result["over_quota"], 0)

    def test_no_solicitation_until_a_date(self):
        self.rule("T generous", 10, 30)
        self.contact_a.cci_no_solicit_until = fields.Date.to_string(self.day + timedelta(days=3))
        result = self.check(self.mailing(self.contact_a | self.contact_b))
        self.assertEqual(result["over_quota"], 1)
        self.assertEqual(result["by_rule"], {"No solicitation wanted before a date": 1})
        # the day itself is allowed
        self.assertEqual(self.check(self.mailing(self.contact_a), days=3)["over_quota"], 0)

    def test_departments_whose_mailings_take_up_the_quota(self):
        self.rule("T two a week", 2, 7)
        self.sent(self.contact_a | self.contact_b, self.at(-3), department=self.dep_formation)
        self.sent(self.contact_a, self.at(-2), department=self.dep_international)
        self.sent(self.contact_b, self.at(-2), department=self.dep_formation)
        self.sent(self.loner, self.at(-2), department=self.dep_international)
        result = self.check(self.mailing(self.contact_a | self.contact_b | self.loner))
        self.assertEqual(result["over_quota"], 2)
        self.assertEqual(result["by_department"],
                         {self.dep_formation.name: 2, self.dep_international.name: 1})

    def test_a_department_counts_a_recipient_once_through_contact_and_company(self):
        self.rule("T two a week", 2, 7)
        self.rule("T three a week per company", 3, 7, scope="company")
        self.sent(self.contact_a, self.at(-3), department=self.dep_formation)
        self.sent(self.contact_a, self.at(-2), department=self.dep_formation)
        self.sent(self.contact_b, self.at(-1), department=self.dep_formation)
        self.sent(self.loner, self.at(-1), department=self.dep_international)
        # Jeanne over her own quota and her company's, Louis over the company's only
        result = self.check(self.mailing(self.contact_a | self.contact_b | self.loner))
        self.assertEqual(result["over_quota"], 2)
        self.assertEqual(result["by_department"], {self.dep_formation.name: 2})

    def test_check_as_a_department_member_returns_plain_values(self):
        self.rule("T two a week", 2, 7)
        self.sent(self.contact_a, self.at(-2))
        self.sent(self.contact_a, self.at(-3))
        mailing = self.mailing(self.contact_a | self.loner)
        result = mailing.sudo(self.user_formation).cci_check_pressure()
        xmlrpc.client.dumps((result,), allow_none=False)  # marshals: no None, no recordset
        for key in ("total", "ok", "over_quota", "by_rule", "by_department", "suggested_date"):
            self.assertIn(key, result)
        self.assertEqual(result["over_quota"], 1)
        self.assertIsInstance(mailing.sudo(self.user_formation).cci_suggest_date(), str)

    def test_bad_input(self):
        mailing = self.mailing(self.contact_a)
        with self.assertRaises(UserError) as err:
            mailing.cci_check_pressure(date="next tuesday")
        self.assertIn("YYYY-MM-DD", err.exception.name)
        with self.assertRaises(UserError):
            (mailing | self.mailing(self.contact_b)).cci_check_pressure()
        for horizon in (0, 400, "90", True):
            with self.assertRaises(UserError):
                mailing.cci_suggest_date(horizon_days=horizon)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            mailing.sudo(self.employee).cci_check_pressure()
        mailing.mailing_domain = "[('no_such_field', '=', 1)]"
        with self.assertRaises(UserError) as err:
            mailing.cci_check_pressure()
        self.assertIn("not valid", err.exception.name)

    def test_a_date_in_the_past_is_checked_as_now(self):
        self.rule("T two a week", 2, 7)
        result = self.mailing(self.contact_a).cci_check_pressure(date="2001-01-01")
        self.assertGreater(result["date"], "2020-01-01")

    def test_form_panel(self):
        self.rule("T one a week", 1, 7)
        self.sent(self.contact_a, self.at(-2))
        mailing = self.mailing(self.contact_a | self.loner)
        mailing.cci_requested_date = self.at(0)
        form = mailing.sudo(self.user_formation)
        self.assertTrue(form.cci_pressure_checked)
        self.assertEqual((form.cci_pressure_total, form.cci_pressure_ok, form.cci_pressure_over),
                         (2, 1, 1))
        self.assertEqual(form.cci_pressure_suggested_date, self.at(5))
        self.assertTrue(form.cci_pressure_better)
        self.assertIn("T one a week", form.cci_pressure_summary)
        mailing.mailing_domain = "[('no_such_field', '=', 1)]"
        mailing.invalidate_cache()
        self.assertFalse(mailing.cci_pressure_checked)
        self.assertIn("not valid", mailing.cci_pressure_summary)

    def test_the_form_reads_the_panel_after_it_shows(self):
        """The form's read (with cci_pressure_pending) leaves the check out; the web
        client's second read, with cci_pressure_now, has the figures; a read of the panel's
        fields alone (an integration) has them at once."""
        self.rule("T one a week", 1, 7)
        self.sent(self.contact_a, self.at(-2))
        mailing = self.mailing(self.contact_a | self.loner)
        mailing.cci_requested_date = self.at(0)
        form = mailing.sudo(self.user_formation)
        panel = ["cci_pressure_pending", "cci_pressure_checked", "cci_pressure_over",
                 "cci_pressure_total", "cci_pressure_summary"]
        first = form.read(["name"] + panel)[0]
        self.assertEqual((first["cci_pressure_pending"], first["cci_pressure_checked"],
                          first["cci_pressure_over"], first["cci_pressure_summary"]),
                         (True, False, 0, False))
        self.assertEqual(first["name"], mailing.name)
        form.invalidate_cache()
        then = form.with_context(cci_pressure_now=True).read(panel)[0]
        self.assertEqual((then["cci_pressure_pending"], then["cci_pressure_checked"],
                          then["cci_pressure_total"], then["cci_pressure_over"]),
                         (False, True, 2, 1))
        self.assertIn("T one a week", then["cci_pressure_summary"])
        form.invalidate_cache()
        alone = form.read(["cci_pressure_over", "cci_pressure_total"])[0]
        self.assertEqual((alone["cci_pressure_total"], alone["cci_pressure_over"]), (2, 1))
        # a mailing that left has no panel to wait for
        self.env.cr.execute("UPDATE mail_mass_mailing SET state = 'done' WHERE id = %s",
                            (mailing.id,))
        form.invalidate_cache()
        self.assertFalse(form.read(panel)[0]["cci_pressure_pending"])

    def test_mailing_contacts_are_checked_through_their_partner(self):
        self.rule("T one a week", 1, 7)
        self.sent(self.contact_a, self.at(-2))
        Contact = self.env["mail.mass_mailing.contact"]
        contacts = Contact.create(
            {"name": "Jeanne", "email": "JEANNE@boulangerie-martin.example.com"})
        contacts |= Contact.create({"name": "Unknown", "email": "nobody@example.org"})
        mailing = self.mailing(self.contact_a)
        mailing.write({
            "mailing_model_id": self.env.ref("mass_mailing.model_mail_mass_mailing_contact").id,
            "mailing_domain": repr([("id", "in", contacts.ids)]),
        })
        result = self.check(mailing)
        self.assertEqual((result["total"], result["over_quota"]), (2, 1))

    def test_filters_with_patterns_select_their_recipients(self):
        # "ilike" puts % signs in the SQL of the filters: of the mailing checked and of the
        # planned mailing that takes up the quota
        self.rule("T one a week", 1, 7)
        everyone = self.contact_a | self.contact_b | self.loner
        self.create_mailing(
            everyone, name="Planned", cci_moderation_state="approved", state="in_queue",
            schedule_date=self.at(2),
            mailing_domain=repr([("id", "in", everyone.ids), ("email", "ilike", "jeanne")]))
        mailing = self.mailing(everyone)
        mailing.mailing_domain = repr([("id", "in", everyone.ids), ("email", "ilike", "example")])
        result = self.check(mailing)
        self.assertEqual((result["total"], result["over_quota"]), (3, 1))
        self.assertEqual(result["suggested_date"], self.at(9))

    def test_an_ab_test_checks_its_sample(self):
        self.rule("T one a week", 1, 7)
        everyone = self.contact_a | self.contact_b | self.loner | self.company
        for partner in everyone:
            self.sent(partner, self.at(-2))
        mailing = self.mailing(everyone)
        mailing.contact_ab_pc = 50
        result = self.check(mailing)
        self.assertEqual((result["total"], result["over_quota"]), (2, 2))

    def test_names_in_the_language_of_the_user_when_the_call_gives_none(self):
        # an XML-RPC call without a language in its context, by a French user
        week = self.env.ref("cci_pressure.cci_pressure_rule_contact_week")
        week.active = True
        self.sent(self.contact_a, self.at(-2))
        self.sent(self.contact_a, self.at(-3))
        self.loner.cci_no_solicit_until = fields.Date.to_string(self.day + timedelta(days=5))
        self.user_formation.lang = "fr_FR"
        mailing = self.mailing(self.contact_a | self.loner)
        result = mailing.sudo(self.user_formation).with_context(lang=None).cci_check_pressure()
        self.assertEqual(set(result["by_rule"]), {
            "Deux campagnes par semaine et par contact",
            "Pas de sollicitation souhaitée avant une date"})
