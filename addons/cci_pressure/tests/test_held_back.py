from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from .common import PressureCase


class TestHeldBackList(PressureCase):
    """Before the sending, the requester and the moderator see who would be held back and
    why (quota, shared hygiene), and can export it; after it, the requester is told."""

    def setUp(self):
        super().setUp()
        self.quota = self.rule("T one a week", 1, 7)
        self.sent(self.loner, self.at(-2))
        self.contact_b.opt_out = True
        self.mailing = self.create_mailing(
            self.contact_a | self.contact_b | self.loner, user=self.user_formation,
            name="T Salon", cci_category_id=self.newsletter.id, cci_requested_date=self.at(0))

    def excluded_rows(self, mailing):
        return self.env["cci.interaction"].search(
            [("mass_mailing_id", "=", mailing.id), ("kind", "=", "mailing_excluded")])

    def lock(self):
        return self.env["ir.config_parameter"].sudo().get_param("cci_pressure.send_lock")

    def test_the_requester_sees_who_and_why_before_the_sending(self):
        lock = self.lock()
        rows = self.mailing.sudo(self.user_formation).cci_held_back()
        reasons = {row["partner_id"]: row["reason"] for row in rows}
        self.assertEqual(set(reasons), {self.contact_b.id, self.loner.id})
        self.assertIn("T one a week", reasons[self.loner.id])
        self.assertIn("opted out", reasons[self.contact_b.id])
        self.assertTrue(all(row["email"] for row in rows))
        # a look records nothing and takes no sending lock
        self.assertFalse(self.excluded_rows(self.mailing))
        self.assertEqual(self.lock(), lock)

    def test_the_list_opens_and_exports(self):
        action = self.mailing.sudo(self.user_formation).action_cci_view_held_back()
        self.assertEqual(action["res_model"], "cci.held.back")
        self.assertEqual([view_type for _view, view_type in action["views"]],
                         ["tree", "kanban"], "a list, and cards on a phone")
        Lines = self.env["cci.held.back"].sudo(self.user_formation)
        lines = Lines.search(action["domain"])
        self.assertEqual(set(lines.mapped("partner_id").ids), {self.contact_b.id, self.loner.id})
        self.assertEqual(lines.filtered(lambda line: line.partner_id == self.contact_b).company_id,
                         self.company)
        exported = lines.export_data(["partner_id", "reason"])["datas"]
        self.assertEqual(sorted(row[0] for row in exported),
                         ["Boulangerie Martin, Louis Martin", "Sophie Seule"])
        # opened again: the list is made afresh, not doubled
        self.mailing.sudo(self.user_formation).action_cci_view_held_back()
        self.assertEqual(Lines.search_count(action["domain"]), 2)
        # the moderator's own look; each reads only their own lines
        self.mailing.sudo(self.moderator).action_cci_view_held_back()
        self.assertEqual(Lines.search_count(action["domain"]), 2)
        self.assertEqual(self.env["cci.held.back"].sudo(self.moderator).search_count(
            action["domain"]), 2)

    def test_other_departments_and_employees_cannot_look(self):
        for user in (self.user_international, self.employee):
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                self.mailing.sudo(user).cci_held_back()
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                self.mailing.sudo(user).action_cci_view_held_back()

    def test_a_sent_mailing_points_to_its_held_back_rows(self):
        mailing = self.sent(self.contact_a, self.at(-1), category=self.newsletter)
        with self.assertRaises(UserError):
            mailing.sudo(self.moderator).cci_held_back()

    def approved(self, partners, name="T Salon"):
        """An approved mailing of Formation, due now, requested by its member."""
        return self.create_mailing(
            partners, name=name, cci_category_id=self.newsletter.id,
            cci_requester_id=self.user_formation.id, cci_moderation_state="approved",
            state="in_queue", schedule_date=False)

    def report(self, mailing):
        return mailing.message_ids.filtered(lambda m: "held back" in (m.body or ""))

    def test_the_requester_is_told_the_counts_after_the_sending(self):
        self.mailing = self.approved(self.contact_a | self.contact_b | self.loner)
        self.env["mail.mass_mailing"]._process_mass_mailing_queue()
        self.assertEqual(self.mailing.state, "done")
        self.assertEqual(len(self.excluded_rows(self.mailing)), 2)
        message = self.report(self.mailing)
        self.assertEqual(len(message), 1)
        self.assertIn("Recipients who received it: 1; held back: 2", message.body)
        self.assertIn("over quota (T one a week): 1", message.body)
        self.assertIn("opted out of mailings (shared hygiene): 1", message.body)
        self.assertIn(self.user_formation.partner_id, message.partner_ids)
        self.assertFalse(self.mailing.cci_all_held_back)

    def test_a_mailing_whose_every_recipient_was_held_back_says_so(self):
        mailing = self.approved(self.contact_b | self.loner, name="T Rappel")
        self.env["mail.mass_mailing"]._process_mass_mailing_queue()
        self.assertEqual(mailing.state, "done")
        self.assertTrue(mailing.cci_all_held_back)
        message = self.report(mailing)
        self.assertEqual(len(message), 1)
        self.assertIn("Nothing was sent: every recipient (2) was held back", message.body)
        # a mailing with recipients who received it is not "all held back"
        self.assertFalse(self.sent(self.contact_a, self.at(-30)).cci_all_held_back)

    def test_reasons_and_report_in_the_chamber_language_whoever_sends(self):
        self.env.user.company_id.partner_id.lang = "fr_FR"
        self.env.user.lang = "en_US"
        self.mailing = self.approved(self.contact_a | self.contact_b | self.loner)
        self.env["mail.mass_mailing"]._process_mass_mailing_queue()
        names = self.excluded_rows(self.mailing).mapped("name")
        self.assertTrue(any("au-delà du quota" in name for name in names), names)
        self.assertTrue(any("désinscrit" in name for name in names), names)
        message = self.mailing.message_ids.filtered(lambda m: "écartés" in (m.body or ""))
        self.assertEqual(len(message), 1)
        self.assertIn("Destinataires atteints : 1 ; écartés : 2", message.body)
