"""Follow-ups: from a sent mailing, a draft aimed at who did (not) open or click, read from
the ledger, linked to its parent, moderated like any mailing."""
from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .test_moderation import ModerationCase, in_days


class FollowupCase(ModerationCase):
    @classmethod
    def send_now(cls, mailing):
        """Submit, approve for yesterday, let the queue cron send, deliver the mails."""
        mailing.action_cci_submit()
        mailing.sudo(cls.moderator).action_cci_approve(in_days(-1))
        cls.env["mail.mass_mailing"].sudo()._process_mass_mailing_queue()
        cls.env["mail.mail"].sudo().search([("mailing_id", "=", mailing.id)]).send()
        return cls.env["mail.mail.statistics"].sudo().search(
            [("mass_mailing_id", "=", mailing.id)])

    @classmethod
    def react(cls, stats, record, opened=False, clicked=False):
        """The recipient opens (tracking pixel) or clicks, through Odoo's methods."""
        stat = stats.filtered(lambda s: s.model == record._name and s.res_id == record.id)
        Stats = cls.env["mail.mail.statistics"].sudo()
        if opened:
            Stats.set_opened(mail_mail_ids=[stat.mail_mail_id_int])
        if clicked:
            Stats.set_clicked(mail_mail_ids=[stat.mail_mail_id_int])

    @staticmethod
    def targets(mailing):
        return sorted(safe_eval(mailing.mailing_domain)[0][2])


class TestFollowupOfPartners(FollowupCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.parent = cls.create_mailing(cls.contact_a | cls.contact_b | cls.loner,
                                        cls.dep_formation, cls.user_formation,
                                        name="Matinale de la formation")
        stats = cls.send_now(cls.parent)
        assert len(stats) == 3, "the parent reached its three recipients"
        cls.react(stats, cls.contact_a, opened=True, clicked=True)
        cls.react(stats, cls.contact_b, opened=True)

    def followup(self, audience, user=None):
        followup_id = self.parent.sudo(user or self.user_formation).action_cci_create_followup(
            audience)
        self.assertIsInstance(followup_id, int)
        return self.env["mail.mass_mailing"].browse(followup_id)

    def test_each_audience_from_the_ledger(self):
        expected = {
            "not_opened": self.loner,
            "opened": self.contact_a | self.contact_b,
            "clicked": self.contact_a,
            "not_clicked": self.contact_b | self.loner,
        }
        for audience, partners in expected.items():
            followup = self.followup(audience)
            self.assertEqual(followup.mailing_model_real, "res.partner")
            self.assertEqual(self.targets(followup), sorted(partners.ids), audience)
            self.assertEqual(sorted(followup.sudo().get_recipients()), sorted(partners.ids))
            self.assertEqual(followup.cci_followup_audience, audience)

    def test_the_followup_is_a_linked_draft_of_the_same_department(self):
        followup = self.followup("not_opened")
        self.assertEqual(followup.cci_parent_id, self.parent)
        self.assertEqual(followup.cci_department_id, self.dep_formation)
        self.assertEqual((followup.cci_moderation_state, followup.state), ("draft", "draft"))
        self.assertEqual(followup.body_html, self.parent.body_html)
        self.assertIn("Matinale de la formation", followup.name)
        self.assertEqual(followup.create_uid, self.user_formation)
        self.assertEqual(self.parent.cci_followup_count, 1)
        self.assertEqual(self.parent.cci_followup_ids, followup)
        action = self.parent.action_cci_view_followups()
        self.assertEqual(action["domain"], [("cci_parent_id", "=", self.parent.id)])

    def test_the_followup_goes_through_moderation_and_reaches_only_its_audience(self):
        followup = self.followup("not_opened")
        with self.assertRaises(UserError):
            followup.sudo(self.user_formation).put_in_queue()
        stats = self.send_now(followup.sudo(self.user_formation))
        self.assertEqual(stats.mapped("res_id"), self.loner.ids)

    def test_the_moderator_may_follow_up_too(self):
        followup = self.followup("clicked", user=self.moderator)
        self.assertEqual(self.targets(followup), self.contact_a.ids)
        self.assertEqual(followup.cci_department_id, self.dep_formation)

    def test_the_dialog_counts_then_creates(self):
        wizard = self.env["cci.followup.wizard"].sudo(self.user_formation).with_context(
            active_model="mail.mass_mailing", active_id=self.parent.id).create(
            {"audience": "not_clicked"})
        self.assertEqual(wizard.recipient_count, 2)
        action = wizard.action_confirm()
        followup = self.env["mail.mass_mailing"].browse(action["res_id"])
        self.assertEqual(self.targets(followup), sorted((self.contact_b | self.loner).ids))

    def test_values_hook_for_other_addons(self):
        values = self.parent._cci_followup_values("opened", [self.contact_a.id])
        self.assertEqual(values["cci_parent_id"], self.parent.id)
        self.assertEqual(values["mailing_domain"], repr([("id", "in", [self.contact_a.id])]))

    def test_bad_audience_and_unsent_mailings_are_refused(self):
        count = self.Mailing.sudo().search_count([])
        for audience in ("everyone", "", False, "OPENED"):
            with self.assertRaises(UserError):
                self.parent.sudo(self.user_formation).action_cci_create_followup(audience)
        draft = self.draft()
        with self.assertRaises(UserError) as err:
            draft.action_cci_create_followup("not_opened")
        self.assertIn("sent", str(err.exception))
        self.assertEqual(self.Mailing.sudo().search_count([]), count + 1, "only the draft")

    def test_an_empty_audience_is_refused(self):
        stats = self.env["mail.mail.statistics"].sudo().search(
            [("mass_mailing_id", "=", self.parent.id)])
        for record in self.contact_b | self.loner:
            self.react(stats, record, opened=True, clicked=True)
        with self.assertRaises(UserError) as err:
            self.parent.sudo(self.user_formation).action_cci_create_followup("not_clicked")
        self.assertIn("nobody", str(err.exception))

    @mute_logger("odoo.addons.base.ir.ir_model")
    def test_other_departments_and_employees_cannot_follow_up(self):
        for user in (self.user_international, self.employee):
            with self.assertRaises(AccessError):
                self.parent.sudo(user).action_cci_create_followup("not_opened")


class TestFollowupOfMailingContacts(FollowupCase):
    def test_a_list_mailing_is_followed_up_on_the_same_contacts(self):
        Contact = self.env["mail.mass_mailing.contact"]
        jeanne = Contact.create(
            {"name": "Jeanne", "email": "jeanne@boulangerie-martin.example.com"})
        newcomer = Contact.create({"name": "Newcomer", "email": "newcomer@example.org"})
        other = Contact.create({"name": "Other", "email": "other@example.org"})
        parent = self.create_mailing(
            self.loner, self.dep_formation, self.user_formation,
            mailing_model_id=self.env.ref("mass_mailing.model_mail_mass_mailing_list").id,
            mailing_domain="[('id', 'in', %s)]" % (jeanne | newcomer | other).ids)
        stats = self.send_now(parent)
        self.assertEqual(len(stats), 3)
        self.react(stats, jeanne, opened=True)
        followup = self.env["mail.mass_mailing"].browse(
            parent.action_cci_create_followup("not_opened"))
        self.assertEqual(followup.mailing_model_real, "mail.mass_mailing.contact")
        self.assertEqual(self.targets(followup), sorted((newcomer | other).ids))
