"""The tracking-derived partner fields, on crafted histories with a fixed clock (NOW),
boundary days included. Definitions: readme/USAGE.rst and models/res_partner_figures.py."""
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError

from .timeline_common import NOW, TimelineCase, ago


class TrackingCase(TimelineCase):
    def refresh(self, partners, now=NOW):
        self.env["res.partner"]._cci_refresh_tracking_fields(partners.ids, now=now)
        partners.invalidate_cache()

    def new_person(self, name, **vals):
        values = {"name": name, "email": "%s@example.org" % name.lower()}
        values.update(vals)
        return self.env["res.partner"].create(values)

    def mailings(self, partner, sent_days, opened=(), clicked=(), replied=(), start=0):
        """One mailing per entry of sent_days; opened/clicked/replied: their (index, days)."""
        for n, days in enumerate(sent_days):
            self.mail_fact(partner, start + n, "mailing_sent", ago(days))
        for kind, reactions in (("mailing_opened", opened), ("mailing_clicked", clicked),
                                ("mailing_replied", replied)):
            for n, days in reactions:
                self.mail_fact(partner, start + n, kind, ago(days))


class TestWindowsAndCounts(TrackingCase):
    def test_solicitation_windows_boundaries_included(self):
        p = self.new_person("Fenetre")
        for n, (days, seconds) in enumerate([(0, 0), (30, 0), (30, 1), (90, 0), (90, 1),
                                              (365, 0), (365, 1), (500, 0)]):
            self.fact(p, "mailing_sent", ago(days, seconds), source_id=700 + n)
        self.fact(p, "meeting", ago(1))  # not a solicitation
        self.refresh(p)
        self.assertEqual(p.cci_solicitation_count_30d, 2)  # now and exactly 30 days ago
        self.assertEqual(p.cci_solicitation_count_90d, 4)
        self.assertEqual(p.cci_solicitation_count_365d, 6)
        self.assertEqual(p.cci_last_solicitation_date, ago(0))

    def test_windows_move_with_the_nightly_job(self):
        p = self.new_person("Nuit")
        self.fact(p, "mailing_sent", ago(29))
        self.refresh(p)
        self.assertEqual(p.cci_solicitation_count_30d, 1)
        self.refresh(p, now=NOW + timedelta(days=2))
        self.assertEqual(p.cci_solicitation_count_30d, 0)
        self.assertEqual(p.cci_solicitation_count_90d, 1)
        # the job itself: every partner, with the real clock
        self.assertIs(self.env["res.partner"]._cron_cci_refresh_tracking_fields(), True)
        cron = self.env.ref("cci_marketing.ir_cron_cci_refresh_tracking_fields")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))

    def test_counts_and_rates_per_mailing(self):
        p = self.new_person("Taux")
        # 4 mailings: #0 opened and clicked, #1 clicked only (images blocked: still opened),
        # #2 answered, #3 nothing; opens and clicks are counted once per mailing
        self.mailings(p, [100, 80, 60, 40], opened=[(0, 99), (2, 59)],
                      clicked=[(0, 99), (1, 79)], replied=[(2, 58)])
        self.refresh(p)
        self.assertEqual(p.cci_mailing_received_count, 4)
        self.assertEqual(p.cci_mailing_opened_count, 3)
        self.assertEqual(p.cci_mailing_clicked_count, 2)
        self.assertEqual(p.cci_open_rate, 75.0)
        self.assertEqual(p.cci_click_rate, 50.0)
        self.assertEqual(p.cci_last_open_date, ago(59))

    def test_no_history(self):
        p = self.new_person("Vierge")
        self.refresh(p)
        self.assertEqual((p.cci_mailing_received_count, p.cci_open_rate,
                          p.cci_engagement_score, p.cci_email_health), (0, 0.0, 0, "ok"))
        self.assertFalse(p.cci_last_solicitation_date)
        self.assertFalse(p.cci_never_opened)

    def test_company_summarises_its_contacts(self):
        company = self.env["res.partner"].create({"name": "Somme SA", "is_company": True,
                                                  "email": "info@somme.example.org"})
        a = self.new_person("Sa", parent_id=company.id)
        b = self.new_person("Sb", parent_id=company.id)
        self.mailings(a, [10, 20], opened=[(0, 9)])
        self.mailings(b, [10, 20], start=10)
        self.mail_fact(b, 12, "mailing_bounced", ago(5))
        self.refresh(company | a | b)
        self.assertEqual(company.cci_mailing_received_count, 4)
        self.assertEqual(company.cci_mailing_opened_count, 1)
        self.assertEqual(company.cci_open_rate, 25.0)
        self.assertEqual(company.cci_solicitation_count_30d, 4)
        self.assertEqual(company.cci_last_open_date, ago(9))
        # the health is the address's own: b's bounce does not stop mail to the company
        self.assertEqual(b.cci_email_health, "bounced")
        self.assertEqual(company.cci_email_health, "ok")


class TestScore(TrackingCase):
    def score(self, sent_days, **reactions):
        p = self.new_person("Score%d" % len(self.env["res.partner"].search([])))
        self.mailings(p, sent_days, **reactions)
        self.refresh(p)
        return p.cci_engagement_score

    def test_recency_half(self):
        # one mailing a year ago, engaged at the given age: frequency counts 0 (out of window)
        old = [400]
        self.assertEqual(self.score(old, opened=[(0, 30)]), 50)  # 30 days: full
        self.assertEqual(self.score(old, opened=[(0, 0)]), 50)
        self.assertEqual(self.score(old, clicked=[(0, 197.5)]), 25)  # halfway 30..365
        self.assertEqual(self.score(old, replied=[(0, 365)]), 0)  # a year: nothing
        self.assertEqual(self.score(old, opened=[(0, 364)]), 0)  # 50/335 rounds to 0
        self.assertEqual(self.score(old), 0)

    def test_frequency_half(self):
        # four mailings this year; share engaged, no recency (reactions over a year ago
        # cannot happen for mailings of this year, so the recency is kept full instead)
        sent = [5, 10, 15, 20]
        self.assertEqual(self.score(sent, opened=[(0, 1)]), 50 + 13)  # 1/4 of 50 = 12.5
        self.assertEqual(self.score(sent, opened=[(0, 1), (1, 1), (2, 1), (3, 1)]), 100)
        self.assertEqual(self.score(sent, clicked=[(0, 1), (1, 1)]), 75)
        # a mailing received 366 days ago is outside the year
        self.assertEqual(self.score([366], opened=[(0, 200)]), 25)  # recency only: 24.6


class TestHealth(TrackingCase):
    def test_dormant_boundaries(self):
        five_over_a_year = [200, 150, 100, 50, 10]
        cases = [
            ("never engaged", five_over_a_year, {}, "dormant"),
            ("only four this year", [200, 150, 100, 50, 400], {}, "ok"),
            ("engaged exactly 180 days ago", five_over_a_year, {"opened": [(0, 180)]},
             "dormant"),
            ("engaged 179 days ago", five_over_a_year, {"opened": [(0, 179)]}, "ok"),
            ("answered recently", five_over_a_year, {"replied": [(4, 2)]}, "ok"),
            ("first mailing 179 days ago", [179, 150, 100, 50, 10], {}, "ok"),
            ("first mailing exactly 180 days ago", [180, 150, 100, 50, 10], {}, "dormant"),
        ]
        for n, (label, sent, reactions, expected) in enumerate(cases):
            p = self.new_person("Dormant%d" % n)
            self.mailings(p, sent, start=100 * n, **reactions)
            self.refresh(p)
            self.assertEqual(p.cci_email_health, expected, label)

    def test_bounce_until_sign_of_life(self):
        p = self.new_person("Rebond")
        self.mailings(p, [30, 20], opened=[(0, 29)])
        self.mail_fact(p, 1, "mailing_bounced", ago(20))
        self.refresh(p)
        self.assertEqual(p.cci_email_health, "bounced")
        self.mailings(p, [10], opened=[(0, 9)], start=2)  # it reads its mail again
        self.refresh(p)
        self.assertEqual(p.cci_email_health, "ok")

    def test_bounce_of_a_former_address_does_not_count(self):
        p = self.new_person("Ancienne")
        self.mail_fact(p, 1, "mailing_sent", ago(20))
        self.mail_fact(p, 1, "mailing_bounced", ago(20))
        self.refresh(p)
        self.assertEqual(p.cci_email_health, "bounced")
        p.write({"email": "nouvelle@example.org"})
        self.refresh(p)
        self.assertEqual(p.cci_email_health, "ok")

    def test_repeated_soft_bounces_and_opt_out(self):
        p = self.new_person("Souple")
        p.write({"message_bounce": 2})
        self.assertEqual(p.cci_email_health, "ok")
        p.write({"message_bounce": 3})  # Odoo counts a bounce: refreshed at once
        self.assertEqual(p.cci_email_health, "bounced")
        p.write({"opt_out": True})
        self.assertEqual(p.cci_email_health, "opted_out")  # opting out wins

    def test_mailing_contact_opt_out_protects_the_partner(self):
        p = self.new_person("Liste")
        contact = self.env["mail.mass_mailing.contact"].create(
            {"name": "Liste", "email": "LISTE@example.org"})
        self.assertEqual(contact.cci_partner_id, p)
        self.assertEqual(p.cci_email_health, "ok")
        contact.write({"opt_out": True})
        self.assertEqual(p.cci_email_health, "opted_out")
        self.assertEqual(contact.cci_email_health, "opted_out")
        contact.write({"opt_out": False, "message_bounce": 3})
        self.assertEqual(p.cci_email_health, "bounced")


class TestTargeting(TrackingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        now = fields.Datetime.from_string(fields.Datetime.now())
        cls.engaged = Partner.create({"name": "Engage", "email": "engage@example.org"})
        cls.silent = Partner.create({"name": "Muet", "email": "muet@example.org"})
        cls.pressed = Partner.create({"name": "Presse", "email": "presse@example.org"})
        for n in range(2):
            cls.mail_fact(cls.engaged, n, "mailing_sent", ago(20 + n, now=now))
        cls.mail_fact(cls.engaged, 0, "mailing_opened", ago(19, now=now))
        for n in range(2):
            cls.mail_fact(cls.silent, 10 + n, "mailing_sent", ago(100 + n, now=now))
        for n in range(4):
            cls.mail_fact(cls.pressed, 20 + n, "mailing_sent", ago(n + 1, now=now))
        cls.mail_fact(cls.pressed, 20, "mailing_opened", ago(1, now=now))
        cls.people = cls.engaged | cls.silent | cls.pressed

    def find(self, domain, model="res.partner"):
        return self.env[model].search(domain + [("id", "in", self.people.ids)])

    def test_partner_filters(self):
        self.assertEqual(self.find([("cci_engaged_90d", "=", True)]),
                         self.engaged | self.pressed)
        self.assertEqual(self.find([("cci_engaged_90d", "=", False)]), self.silent)
        self.assertEqual(self.find([("cci_never_opened", "=", True)]), self.silent)
        self.assertEqual(self.find([("cci_never_opened", "!=", True)]),
                         self.engaged | self.pressed)
        self.assertEqual(self.find([("cci_over_solicited", "=", True)]), self.pressed)
        self.env["ir.config_parameter"].sudo().set_param(
            "cci_marketing.over_solicited_30d", "2")
        self.assertEqual(self.find([("cci_over_solicited", "=", True)]),
                         self.engaged | self.pressed)
        self.assertTrue(self.pressed.cci_engaged_90d)
        self.assertTrue(self.silent.cci_never_opened)
        self.assertEqual(self.find([("cci_engagement_score", ">=", 50)]),
                         self.engaged | self.pressed)
        self.assertEqual(self.find([("cci_engaged_90d", "=", 1)]),
                         self.engaged | self.pressed)
        with self.assertRaises(UserError):
            self.find([("cci_over_solicited", ">", 2)])

    def test_usable_as_mailing_recipient_domain(self):
        mailing = self.create_mailing(
            self.people, mailing_domain=repr([("cci_engaged_90d", "=", True),
                                              ("id", "in", self.people.ids)]))
        self.assertEqual(set(mailing.get_recipients()), set((self.engaged | self.pressed).ids))

    def test_mailing_contacts_through_their_partner(self):
        Contact = self.env["mail.mass_mailing.contact"]
        contacts = Contact.create({"name": "E", "email": "engage@example.org"}) \
            | Contact.create({"name": "M", "email": "muet@example.org"}) \
            | Contact.create({"name": "X", "email": "inconnu@example.org"})
        found = Contact.search([("cci_partner_id.cci_engaged_90d", "=", True),
                                ("id", "in", contacts.ids)])
        self.assertEqual(found.mapped("email"), ["engage@example.org"])
        found = Contact.search([("cci_partner_id.cci_never_opened", "=", True),
                                ("id", "in", contacts.ids)])
        self.assertEqual(found.mapped("email"), ["muet@example.org"])
