from odoo.addons.cci_marketing.sending import sending_context

from .common import PressureCase


class TestPressureAtSendTime(PressureCase):
    """Over-quota recipients are left out when the mailing leaves, checked at that moment,
    and each gets a 'held back' row on their timeline naming the mailing and the rule."""

    def stats(self, mailing):
        return self.env["mail.mail.statistics"].search([("mass_mailing_id", "=", mailing.id)])

    def held_back(self, mailing):
        return self.env["cci.interaction"].search(
            [("mass_mailing_id", "=", mailing.id), ("kind", "=", "mailing_excluded")])

    def test_over_quota_recipients_are_held_back_and_told_why(self):
        rule = self.rule("T two a week", 2, 7)
        self.sent(self.contact_a, self.at(-2))
        self.sent(self.contact_a, self.at(-3))
        mailing = self.planned(self.contact_a | self.contact_b | self.loner, False,
                               category=self.newsletter, name="Invitation au salon")
        mailing.send_mail()
        self.assertEqual(set(self.stats(mailing).mapped("res_id")),
                         {self.contact_b.id, self.loner.id})
        row = self.held_back(mailing)
        self.assertEqual(row.partner_id, self.contact_a)
        self.assertIn("Invitation au salon", row.name)
        self.assertIn(rule.name, row.name)
        self.assertEqual(mailing.cci_excluded_count, 1)
        timeline = self.contact_a.cci_timeline(kinds=["mailing_excluded"])
        self.assertEqual([r["name"] for r in timeline], [row.name])
        # the company's timeline shows it too
        self.assertEqual(len(self.company.cci_timeline(kinds=["mailing_excluded"])), 1)
        self.assertTrue(self.env["ir.config_parameter"].sudo().search(
            [("key", "=", "cci_pressure.send_lock")]))

    def test_checked_again_when_sending_not_trusted_from_the_approval(self):
        self.rule("T one a week", 1, 7)
        mailing = self.planned(self.contact_a | self.contact_b, False, category=self.newsletter)
        self.assertEqual(mailing.cci_check_pressure()["over_quota"], 0)
        self.sent(self.contact_a, self.at(-2), department=self.dep_international)
        self.env["mail.mass_mailing"]._process_mass_mailing_queue()
        self.assertEqual(mailing.state, "done")
        self.assertEqual(self.stats(mailing).mapped("res_id"), [self.contact_b.id])
        self.assertEqual(self.held_back(mailing).partner_id, self.contact_a)

    def test_a_statutory_notice_reaches_everybody(self):
        self.rule("T nothing", 0, 30)
        self.contact_b.cci_no_solicit_until = "2999-01-01"
        notice = self.planned(self.contact_a | self.contact_b, False, category=self.statutory)
        newsletter = self.planned(self.contact_a | self.contact_b, False,
                                  category=self.newsletter)
        self.env["mail.mass_mailing"]._process_mass_mailing_queue()
        self.assertEqual(len(self.stats(notice)), 2)
        self.assertFalse(self.held_back(notice))
        self.assertEqual(newsletter.state, "done")
        self.assertFalse(self.stats(newsletter))
        reasons = {r.partner_id: r.name for r in self.held_back(newsletter)}
        self.assertIn("T nothing", reasons[self.contact_a])
        self.assertIn("01/01/2999", reasons[self.contact_b])

    def test_reasons_write_dates_as_the_language_of_the_sending_does(self):
        self.contact_b.cci_no_solicit_until = "2999-03-15"
        # the chamber writes its reasons in French, whoever sends
        self.env.user.company_id.partner_id.lang = "fr_FR"
        mailing = self.planned(self.contact_a | self.contact_b, False, category=self.newsletter)
        mailing.with_context(lang="fr_FR").send_mail()
        self.assertEqual(self.held_back(mailing).partner_id, self.contact_b)
        self.assertIn("avant le 15/03/2999", self.held_back(mailing).name)

    def test_two_mailings_leaving_together_never_both_reach_a_recipient_over_quota(self):
        self.rule("T one a week", 1, 7)
        first = self.planned(self.contact_a | self.contact_b, False, category=self.newsletter,
                             name="First")
        second = self.planned(self.contact_a, False, category=self.newsletter, name="Second")
        self.env["mail.mass_mailing"]._process_mass_mailing_queue()
        reached = self.stats(first).filtered(lambda s: s.res_id == self.contact_a.id) \
            | self.stats(second)
        self.assertEqual(len(reached), 1)
        self.assertEqual(len(self.held_back(first) | self.held_back(second)), 1)
        self.assertIn(self.contact_b.id, self.stats(first).mapped("res_id"))

    def test_hygiene_comes_first(self):
        self.rule("T nothing", 0, 30)
        self.contact_b.opt_out = True
        mailing = self.planned(self.contact_a | self.contact_b, False, category=self.newsletter)
        self.assertEqual(mailing.get_remaining_recipients(), [])
        reasons = {r.partner_id: r.name for r in self.held_back(mailing)}
        self.assertIn("T nothing", reasons[self.contact_a])
        self.assertNotIn("T nothing", reasons[self.contact_b])

    def test_sending_again_records_each_held_back_recipient_once(self):
        self.rule("T nothing", 0, 30)
        mailing = self.planned(self.contact_a | self.loner, False, category=self.newsletter)
        mailing.get_remaining_recipients()
        mailing.get_remaining_recipients()
        self.assertEqual(len(self.held_back(mailing)), 2)

    def test_a_mail_waiting_to_leave_counts_in_the_quota(self):
        self.rule("T one a week", 1, 7)
        first = self.planned(self.contact_a, False, category=self.newsletter, name="First")
        # a mail of the first mailing exists but has not left yet (queue, crash, retry)
        sending_context(self.env["mail.mail"]).create({
            "mailing_id": first.id, "email_to": self.contact_a.email, "subject": first.name,
            "body_html": "<p>Bonjour</p>", "scheduled_date": "2999-01-01 00:00:00",
            "statistics_ids": [(0, 0, {"model": "res.partner", "res_id": self.contact_a.id,
                                       "mass_mailing_id": first.id})],
        })
        second = self.planned(self.contact_a | self.contact_b, False,
                              category=self.newsletter, name="Second")
        second.send_mail()
        self.assertEqual(self.stats(second).mapped("res_id"), [self.contact_b.id])
        self.assertEqual(self.held_back(second).partner_id, self.contact_a)
