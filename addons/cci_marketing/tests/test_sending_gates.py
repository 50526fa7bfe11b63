"""Where mail is made and where it leaves: the gates every path crosses."""
from odoo.addons.cci_marketing.sending import sending_context
from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from .test_moderation import ModerationCase, in_days

QUIET_SENDING = mute_logger("odoo.addons.cci_marketing.models.mail_mail",
                            "odoo.addons.cci_marketing.models.mail_mass_mailing_sending")


class SendingCase(ModerationCase):
    def due(self, **vals):
        """An approved mailing whose send date has come."""
        return self.approved(schedule_date=in_days(-1), **vals)

    def made_mail(self, mailing, partner):
        """A mail of ``mailing`` to ``partner`` as its sending makes it, not sent yet."""
        Mail = sending_context(self.env["mail.mail"].sudo())
        mail = Mail.create({
            "mailing_id": mailing.id,
            "email_to": partner.email,
            "subject": mailing.name,
            "body_html": "<p>Bonjour</p>",
            "statistics_ids": [(0, 0, {"model": "res.partner", "res_id": partner.id,
                                       "mass_mailing_id": mailing.id})],
        })
        return self.env["mail.mail"].browse(mail.id)  # without the sending's pass

    def solicitations(self, mailing):
        return self.env["cci.interaction"].search([
            ("mass_mailing_id", "=", mailing.id), ("kind", "=", "mailing_sent")])

    def stats(self, mailing):
        return self.env["mail.mail.statistics"].sudo().search(
            [("mass_mailing_id", "=", mailing.id)])


class TestMailsAreMadeByTheSendingOnly(SendingCase):
    def test_a_hand_made_mail_of_a_mailing_is_refused(self):
        for mailing in (self.submitted(), self.approved()):
            for user in (self.employee, self.user_formation, self.moderator):
                with self.assertRaises(AccessError):
                    self.env["mail.mail"].sudo(user).create({
                        "mailing_id": mailing.id, "email_to": "jeanne@example.com",
                        "subject": "Hello", "body_html": "<p>Hello</p>"})
            self.assertFalse(self.env["mail.mail"].sudo().search(
                [("mailing_id", "=", mailing.id)]))
            self.assertFalse(self.solicitations(mailing))

    def test_a_plain_mail_cannot_be_turned_into_a_mail_of_a_mailing(self):
        mailing = self.due()
        mail = self.env["mail.mail"].sudo(self.user_formation).create(
            {"email_to": "jeanne@example.com", "subject": "Hello", "body_html": "<p>Hi</p>"})
        with self.assertRaises(AccessError):
            mail.write({"mailing_id": mailing.id})
        with self.assertRaises(AccessError):
            mail.write({"cci_made_by": "sending"})

    def test_a_mail_of_a_mailing_cannot_be_changed_by_hand(self):
        mailing = self.approved(schedule_date=in_days(3))
        mail = self.made_mail(mailing, self.contact_a)
        with self.assertRaises(AccessError):
            mail.sudo(self.user_formation).write({"body_html": "<p>Something else</p>"})
        # its subject and attachments live on the message under it
        with self.assertRaises(AccessError):
            mail.mail_message_id.sudo(self.user_formation).write({"subject": "Autre chose"})

    def test_the_composer_cannot_make_mails_of_a_mailing(self):
        mailing = self.due()
        composer = self.env["mail.compose.message"].sudo(self.user_formation).with_context(
            active_ids=[self.contact_a.id]).create({
                "composition_mode": "mass_mail", "model": "res.partner",
                "mass_mailing_id": mailing.id, "subject": "Hello", "body": "<p>Hello</p>",
                "email_from": "formation@example.com"})
        with self.assertRaises(AccessError):
            composer.send_mail()
        named = self.env["mail.compose.message"].sudo(self.user_formation).with_context(
            active_ids=[self.contact_a.id]).create({
                "composition_mode": "mass_mail", "model": "res.partner",
                "mass_mailing_name": "Unapproved campaign", "subject": "Hello",
                "body": "<p>Hello</p>", "email_from": "formation@example.com"})
        with self.assertRaises(UserError):
            named.send_mail()

    def test_a_test_send_reaches_a_few_addresses_and_says_it_is_a_test(self):
        mailing = self.draft()
        Test = self.env["mail.mass_mailing.test"].sudo(self.user_formation)
        many = ", ".join("t%d@chamber.example.com" % n for n in range(6))
        with self.assertRaises(UserError):
            Test.create({"mass_mailing_id": mailing.id, "email_to": many}).send_mail_test()
        Test.create({"mass_mailing_id": mailing.id,
                     "email_to": "me@chamber.example.com"}).send_mail_test()
        # a test mail is deleted once sent; its message stays
        sent = self.env["mail.message"].sudo().search([("subject", "=", "[Test] " + mailing.name)])
        self.assertEqual(len(sent), 1)
        self.assertFalse(self.solicitations(mailing))


class TestMailsLeaveOnlyApproved(SendingCase):
    @QUIET_SENDING
    def test_a_mail_of_a_mailing_no_longer_approved_is_taken_back(self):
        mailing = self.due()
        mail = self.made_mail(mailing, self.contact_a)
        self.assertEqual(len(self.solicitations(mailing)), 1,
                         "a mail counts as a solicitation from the moment it exists")
        # taken out of approval by SQL (or by another process after this mail was made)
        self.env.cr.execute("UPDATE mail_mass_mailing SET cci_moderation_state = 'submitted'"
                            " WHERE id = %s", (mailing.id,))
        mailing.invalidate_cache()
        mail.send()
        self.assertFalse(mail.exists(), "the mail never left: it is taken back")
        self.assertFalse(self.stats(mailing))
        self.assertFalse(self.solicitations(mailing))

    @QUIET_SENDING
    def test_a_mail_whose_mailing_changed_after_approval_is_taken_back(self):
        mailing = self.due()
        mail = self.made_mail(mailing, self.contact_a)
        # changed behind the ORM's back: only the fingerprint of the approval can tell
        self.env.cr.execute("UPDATE mail_mass_mailing SET body_html = '<p>Autre chose</p>'"
                            " WHERE id = %s", (mailing.id,))
        mailing.invalidate_cache()
        mail.send()
        self.assertFalse(mail.exists())
        self.assertEqual(mailing.cci_moderation_state, "submitted",
                         "the moderator decides on what changed")
        self.assertEqual(self.decisions(mailing)[-1].decision, "changed")

    def test_a_mail_of_a_mailing_not_due_yet_waits(self):
        mailing = self.approved(schedule_date=in_days(3))
        mail = self.made_mail(mailing, self.contact_a)
        mail.send()
        self.assertEqual(mail.state, "outgoing")
        self.assertFalse(self.stats(mailing).filtered("sent"))

    def test_a_mail_of_an_approved_due_mailing_leaves(self):
        mailing = self.due()
        mail = self.made_mail(mailing, self.contact_a)
        mail.send()
        self.assertEqual(mail.state, "sent")
        self.assertTrue(self.stats(mailing).sent)
        self.assertEqual(self.solicitations(mailing).date, self.stats(mailing).sent,
                         "the row takes the moment the mail left")

    @QUIET_SENDING
    def test_an_interrupted_handover_is_not_sent_again(self):
        mailing = self.due()
        mail = self.made_mail(mailing, self.contact_a)
        # the server died while handing this mail to the SMTP server
        self.env.cr.execute("UPDATE mail_mail SET cci_handover_date = now() WHERE id = %s",
                            (mail.id,))
        mail.invalidate_cache()
        mail.send()
        self.assertEqual(mail.state, "cancel")
        self.assertIn("interrupted", mail.failure_reason)
        self.assertEqual(len(self.solicitations(mailing)), 1,
                         "it may have left: it still counts")

    def test_a_mail_that_failed_is_no_solicitation(self):
        mailing = self.due()
        mail = self.made_mail(mailing, self.contact_a)
        sending_context(mail.statistics_ids).write({"exception": in_days(0)})
        self.assertFalse(self.solicitations(mailing))


class TestWhatLeavesIsWhatWasApproved(SendingCase):
    def test_send_mail_narrows_to_the_approved_audience_never_widens_it(self):
        mailing = self.due()  # Jeanne and Sophie
        outsider = self.contact_b
        mailing.sudo().send_mail(res_ids=[self.contact_a.id, outsider.id])
        self.assertEqual(self.stats(mailing).mapped("res_id"), [self.contact_a.id])
        with self.assertRaises(UserError):
            mailing.sudo().send_mail(res_ids=[outsider.id])
        self.assertNotIn(outsider.id, self.stats(mailing).mapped("res_id"))

    @QUIET_SENDING
    def test_the_content_is_frozen_while_sending(self):
        mailing = self.due()
        mailing.sudo().write({"state": "sending"})
        waiting = self.made_mail(mailing, self.loner)
        mailing.sudo(self.user_formation).write({"body_html": "<p>Nouveau texte</p>"})
        self.assertEqual((mailing.cci_moderation_state, mailing.state), ("submitted", "draft"))
        self.assertFalse(waiting.exists(), "its unsent mails are taken back")
        self.assertFalse(self.solicitations(mailing))

    def test_a_mailing_is_done_only_when_no_mail_waits(self):
        mailing = self.due()
        mailing.sudo().write({"state": "sending"})
        waiting = self.made_mail(mailing, self.contact_a)
        # the queue first sends what waits, then the rest of the audience, then it is done
        self.queue()
        mailing.invalidate_cache()
        self.assertEqual(mailing.state, "done")
        self.assertEqual(waiting.state, "sent")
        self.assertEqual(sorted(self.stats(mailing).mapped("res_id")),
                         sorted((self.contact_a | self.loner).ids))

    @QUIET_SENDING
    def test_a_mailing_that_cannot_be_sent_fails_alone(self):
        broken = self.due(name="Broken filter")
        fine = self.due(name="Fine")
        self.env.cr.execute("UPDATE mail_mass_mailing SET mailing_domain = %s WHERE id = %s",
                            ("[('no_such_field', '=', 1)]", broken.id))
        broken.invalidate_cache()
        self.queue()
        self.assertEqual((fine.state, len(self.stats(fine))), ("done", 2))
        self.assertEqual((broken.state, broken.cci_moderation_state), ("draft", "draft"))
        self.assertFalse(self.stats(broken))
        self.assertEqual(self.decisions(broken)[-1].decision, "failed")
        self.assertIn("no_such_field", broken.cci_moderation_note)
        self.assertIn("could not be sent", self.last_message(broken).body)
        self.assertIn(self.user_formation.partner_id, self.last_message(broken).partner_ids)


class TestTrackingIsWrittenByTheSystemOnly(SendingCase):
    def test_nobody_forges_tracking(self):
        mailing = self.due()
        mailing.sudo().send_mail()
        stat = self.stats(mailing)[0]
        Stats = self.env["mail.mail.statistics"]
        for user in (self.employee, self.user_formation, self.moderator):
            with self.assertRaises(AccessError):
                Stats.sudo(user).create({"model": "res.partner", "res_id": self.loner.id,
                                         "mass_mailing_id": mailing.id, "sent": in_days(0)})
            with self.assertRaises(AccessError):
                stat.sudo(user).write({"bounced": in_days(0)})
            with self.assertRaises(AccessError):
                Stats.sudo(user).set_opened(mail_mail_ids=[stat.mail_mail_id_int])
            with self.assertRaises(AccessError):
                stat.sudo(user).unlink()
        kinds = self.env["cci.interaction"].search(
            [("mass_mailing_id", "=", mailing.id)]).mapped("kind")
        self.assertEqual(set(kinds), {"mailing_sent"})

    def test_the_tracking_routes_still_record(self):
        mailing = self.due()
        mailing.sudo().send_mail()
        stat = self.stats(mailing)[0]
        # the pixel's route runs as the superuser
        Stats = self.env["mail.mail.statistics"].sudo()
        Stats.set_opened(mail_mail_ids=[stat.mail_mail_id_int])
        self.assertTrue(self.env["cci.interaction"].search(
            [("mass_mailing_id", "=", mailing.id), ("kind", "=", "mailing_opened")]))


class TestAGrownAudienceIsDecidedAgain(SendingCase):
    def growing(self):
        self.env["res.partner"].create({"name": "Early", "email": "early@growing.example.com"})
        return self.due(mailing_domain=repr([("email", "ilike", "@growing.example.com")]))

    def test_a_list_that_grew_a_lot_goes_back_to_the_moderator(self):
        mailing = self.growing()
        self.assertEqual(mailing.cci_approved_audience, 1)
        for n in range(16):
            self.env["res.partner"].create(
                {"name": "Late %d" % n, "email": "late%d@growing.example.com" % n})
        with self.assertRaises(UserError):
            mailing.sudo().send_mail()
        self.queue()
        self.assertEqual(mailing.cci_moderation_state, "submitted")
        self.assertFalse(self.stats(mailing))
        self.assertIn("grew from 1 to 17", self.decisions(mailing)[-1].note)

    def test_a_list_that_grew_a_little_leaves(self):
        mailing = self.growing()
        self.env["res.partner"].create({"name": "One more", "email": "more@growing.example.com"})
        self.queue()
        self.assertEqual((mailing.state, len(self.stats(mailing))), ("done", 2))


class TestABrokenFilterBreaksNothingElse(SendingCase):
    def test_the_planning_still_reads_a_mailing_whose_filter_broke(self):
        broken = self.draft(mailing_domain="[('no_such_field', '=', 1)]")
        fine = self.draft()
        mailings = self.env["mail.mass_mailing"].sudo(self.employee).browse(
            (broken | fine).ids)
        self.assertEqual(mailings.mapped("total"), [0, 2])

    def test_the_count_of_recipients_is_odoos_with_or_without_a_b_sampling(self):
        mailing = self.draft()
        self.assertEqual(mailing.total, len(mailing.get_recipients()))
        mailing.write({"contact_ab_pc": 50})  # Odoo's sampling: half of them
        mailing.invalidate_cache(["total"])
        self.assertEqual(mailing.total, 1)
