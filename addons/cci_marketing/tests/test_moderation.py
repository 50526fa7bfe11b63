"""Moderation workflow: each transition, what it keeps, who is told, what leaves and when."""
from datetime import datetime, timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import CciCase


def in_days(days, hour=8):
    date = datetime.utcnow().replace(hour=hour, minute=0, second=0, microsecond=0)
    return fields.Datetime.to_string(date + timedelta(days=days))


class ModerationCase(CciCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Mailing = cls.env["mail.mass_mailing"]
        cls.activity_type = cls.env.ref("cci_marketing.mail_activity_type_cci_moderation")

    def draft(self, partners=None, department=None, user=None, **vals):
        """A draft prepared by a department member (Formation by default)."""
        user = user or self.user_formation
        vals.setdefault("cci_requested_date", in_days(10))
        return self.create_mailing(partners or (self.contact_a | self.loner),
                                   department or self.dep_formation, user, **vals)

    def submitted(self, **vals):
        mailing = self.draft(**vals)
        mailing.action_cci_submit()
        return mailing

    def approved(self, schedule_date=False, **vals):
        mailing = self.submitted(**vals)
        mailing.sudo(self.moderator).action_cci_approve(schedule_date)
        return mailing

    def decisions(self, mailing):
        return mailing.sudo().cci_decision_ids.sorted("id")

    def moderation_activities(self, mailing):
        return self.env["mail.activity"].search([
            ("res_model", "=", "mail.mass_mailing"), ("res_id", "=", mailing.id),
            ("activity_type_id", "=", self.activity_type.id)])

    def last_message(self, mailing):
        return self.env["mail.message"].search(
            [("model", "=", "mail.mass_mailing"), ("res_id", "=", mailing.id),
             ("message_type", "=", "comment")], order="id desc", limit=1)

    def assertCannotDecide(self, mailing):
        """Approving, postponing and rejecting ``mailing`` (as its user) are all refused."""
        with self.assertRaises(AccessError):
            mailing.action_cci_approve()
        with self.assertRaises(AccessError):
            mailing.action_cci_postpone(in_days(30), "Later")
        with self.assertRaises(AccessError):
            mailing.action_cci_reject("No")

    def queue(self):
        """The queue cron, as Odoo runs it."""
        self.Mailing.sudo()._process_mass_mailing_queue()

    def sent_count(self, mailing):
        return self.env["mail.mail.statistics"].sudo().search_count(
            [("mass_mailing_id", "=", mailing.id)])


class TestTransitions(ModerationCase):
    def test_new_mailing_is_a_draft_of_the_members_department(self):
        mailing = self.Mailing.sudo(self.user_international).create({
            "name": "Salon export", "mailing_model_id": self.partner_model.id,
            "mailing_domain": "[('id', '=', %d)]" % self.loner.id, "reply_to_mode": "email",
        })
        self.assertEqual(mailing.cci_moderation_state, "draft")
        self.assertEqual(mailing.cci_department_id, self.dep_international)
        self.assertEqual(mailing.cci_requester_id, self.user_international)
        self.assertEqual(mailing.state, "draft")

    def test_submit_tells_the_moderators_and_keeps_the_step(self):
        mailing = self.draft()
        self.assertIs(mailing.action_cci_submit(), True)
        self.assertEqual(mailing.cci_moderation_state, "submitted")
        self.assertEqual(mailing.state, "draft", "not in Odoo's queue before approval")
        self.assertEqual(mailing.cci_requester_id, self.user_formation)
        step = self.decisions(mailing)
        self.assertEqual(len(step), 1)
        self.assertEqual((step.decision, step.state_from, step.state_to, step.user_id),
                         ("submit", "draft", "submitted", self.user_formation))
        activities = self.moderation_activities(mailing)
        self.assertIn(self.moderator, activities.mapped("user_id"))
        message = self.last_message(mailing)
        self.assertIn(self.moderator.partner_id, message.partner_ids)
        self.assertEqual(message.author_id, self.user_formation.partner_id)

    def test_approve_queues_at_the_wished_date_and_tells_the_requester(self):
        mailing = self.submitted()
        wished = mailing.cci_requested_date
        self.assertIs(mailing.sudo(self.moderator).action_cci_approve(), True)
        self.assertEqual(mailing.cci_moderation_state, "approved")
        self.assertEqual(mailing.state, "in_queue")
        self.assertEqual(mailing.schedule_date, wished)
        self.assertEqual(mailing.cci_planning_date, wished)
        self.assertEqual(mailing.cci_moderator_id, self.moderator)
        self.assertFalse(self.moderation_activities(mailing), "the to-dos are closed")
        message = self.last_message(mailing)
        self.assertIn(self.user_formation.partner_id, message.partner_ids)
        self.assertIn("Approved", message.body)
        step = self.decisions(mailing)[-1]
        self.assertEqual((step.decision, step.state_from, step.state_to, step.user_id,
                          step.schedule_date),
                         ("approve", "submitted", "approved", self.moderator, wished))

    def test_approve_at_a_fixed_date_or_now(self):
        fixed = self.approved(schedule_date=in_days(2, hour=14))
        self.assertEqual(fixed.schedule_date, in_days(2, hour=14))
        no_wish = self.submitted(cci_requested_date=False)
        before = fields.Datetime.now()
        no_wish.sudo(self.moderator).action_cci_approve()
        self.assertGreaterEqual(no_wish.schedule_date, before)

    def test_postpone_is_an_approval_for_later_with_its_reason(self):
        mailing = self.submitted()
        later = in_days(30)
        self.assertIs(mailing.sudo(self.moderator).action_cci_postpone(
            later, "  Not this month: the newsletter leaves on the 5th. "), True)
        self.assertEqual(mailing.cci_moderation_state, "approved")
        self.assertEqual((mailing.state, mailing.schedule_date), ("in_queue", later))
        self.assertEqual(mailing.cci_moderation_note,
                         "Not this month: the newsletter leaves on the 5th.")
        message = self.last_message(mailing)
        self.assertIn(self.user_formation.partner_id, message.partner_ids)
        self.assertIn("newsletter leaves on the 5th", message.body)
        step = self.decisions(mailing)[-1]
        self.assertEqual((step.decision, step.note),
                         ("postpone", "Not this month: the newsletter leaves on the 5th."))

    def test_an_older_reason_is_history_not_the_current_state(self):
        mailing = self.submitted()
        mailing.sudo(self.moderator).action_cci_postpone(in_days(30), "Not this week")
        self.assertEqual(mailing.cci_moderation_note, "Not this week")
        mailing.action_cci_reset_draft()
        self.assertFalse(mailing.cci_moderation_note, "a reset is not a decision with a reason")
        mailing.action_cci_submit()
        self.assertEqual(mailing.cci_moderation_state, "submitted")
        self.assertFalse(mailing.cci_moderation_note)
        self.assertIn("Not this week", self.decisions(mailing).mapped("note"))
        mailing.sudo(self.moderator).action_cci_reject("Off topic")
        self.assertEqual(mailing.cci_moderation_note, "Off topic")
        mailing.action_cci_submit()
        self.assertFalse(mailing.cci_moderation_note)
        # changed after approval: the approval's note goes with it
        mailing.sudo(self.moderator).action_cci_approve(in_days(12), "Fine")
        self.assertEqual(mailing.cci_moderation_note, "Fine")
        mailing.sudo(self.user_formation).write({"name": "Invitation (new subject)"})
        self.assertEqual(mailing.cci_moderation_state, "submitted")
        self.assertFalse(mailing.cci_moderation_note)

    def test_the_demo_history_sits_at_its_real_dates(self):
        """The demo's sent mailings sit on the planning at their sent date, not at the
        installation's; the Planned filter shows only what is still to leave."""
        sent = self.Mailing.search([("state", "=", "done")])
        if not self.env.ref("cci_marketing.mail_mass_mailing_demo_export",
                            raise_if_not_found=False):
            self.skipTest("no demo data")
        self.assertGreaterEqual(len(sent), 27)
        for mailing in sent:
            self.assertEqual(mailing.cci_planning_date, mailing.sent_date, mailing.name)
        self.assertGreaterEqual(
            len(set(sent.mapped(lambda m: m.cci_planning_date[:10]))), 25,
            "a year of history, not one day")
        search = self.Mailing.fields_view_get(
            self.env.ref("mass_mailing.view_mail_mass_mailing_search").id, "search")
        planned = safe_eval(etree.fromstring(search["arch"]).xpath(
            "//filter[@name='planned']")[0].get("domain"))
        self.assertFalse(self.Mailing.search(planned + [("state", "in", ("sending", "done"))]))
        self.assertTrue(self.Mailing.search(planned))

    def test_the_history_and_the_subject_read_in_french(self):
        """The history's old and new states are translated as the mailing's state is; the
        subject is one text, not a translatable one (no "Update translations" banner)."""
        self.assertFalse(self.Mailing.fields_get(["name"])["name"].get("translate"))
        if not self.env["res.lang"].search([("code", "=", "fr_FR")]):
            self.skipTest("French is not installed")
        french = self.env(context=dict(self.env.context, lang="fr_FR"))
        for fname in ("state_from", "state_to"):
            labels = dict(french["cci.moderation.decision"]._fields[fname]
                          ._description_selection(french))
            self.assertEqual(labels["submitted"], "Soumise", fname)
        mailing = self.draft()
        mailing.sudo(self.user_formation).with_context(lang="fr_FR").action_cci_submit()
        self.assertIn("Soumise pour approbation par", mailing.message_ids[0].body)
        self.assertEqual(set(self.env["mail.activity"].search([
            ("res_model", "=", "mail.mass_mailing"), ("res_id", "=", mailing.id)])
            .mapped("summary")), {"Statuer sur cette campagne"})

    def test_an_approved_mailing_can_be_postponed_again(self):
        mailing = self.approved()
        mailing.sudo(self.moderator).action_cci_postpone(in_days(40), "Summer break")
        self.assertEqual(mailing.schedule_date, in_days(40))
        self.assertEqual(self.decisions(mailing).mapped("decision"),
                         ["submit", "approve", "postpone"])

    def test_reject_keeps_the_reason_and_the_mailing_out_of_the_queue(self):
        mailing = self.approved()
        self.assertIs(mailing.sudo(self.moderator).action_cci_reject("Off topic"), True)
        self.assertEqual((mailing.cci_moderation_state, mailing.state), ("rejected", "draft"))
        self.assertEqual(mailing.cci_moderation_note, "Off topic")
        self.assertIn("Off topic", self.last_message(mailing).body)
        # the department reworks it and submits it again
        mailing.sudo(self.user_formation).write({"body_html": "<p>Better</p>"})
        mailing.action_cci_submit()
        self.assertEqual(mailing.cci_moderation_state, "submitted")

    def test_reset_to_draft_takes_it_out_of_the_queue(self):
        mailing = self.approved()
        self.assertIs(mailing.sudo(self.user_formation).action_cci_reset_draft(), True)
        self.assertEqual((mailing.cci_moderation_state, mailing.state), ("draft", "draft"))
        self.queue()
        self.assertEqual(self.sent_count(mailing), 0)

    def test_reset_of_a_submitted_mailing_closes_the_moderators_todos(self):
        mailing = self.submitted()
        self.assertTrue(self.moderation_activities(mailing))
        mailing.action_cci_reset_draft()
        self.assertFalse(self.moderation_activities(mailing))

    def test_every_decision_is_kept_in_order(self):
        mailing = self.submitted()
        mailing.sudo(self.moderator).action_cci_reject("Too long")
        mailing.action_cci_submit()
        mailing.sudo(self.moderator).action_cci_approve()
        mailing.action_cci_reset_draft()
        steps = self.decisions(mailing)
        self.assertEqual(steps.mapped("decision"),
                         ["submit", "reject", "submit", "approve", "reset"])
        self.assertEqual(steps.mapped("state_to"),
                         ["submitted", "rejected", "submitted", "approved", "draft"])
        formation, moderator = self.user_formation.id, self.moderator.id
        self.assertEqual([s.user_id.id for s in steps],
                         [formation, moderator, formation, moderator, formation])
        with self.assertRaises(UserError):
            steps[0].sudo().write({"note": "rewritten"})
        with self.assertRaises(UserError):
            steps[0].sudo().unlink()

    def test_a_copy_starts_again_as_a_draft(self):
        mailing = self.approved()
        copy = mailing.sudo(self.user_formation).copy()
        self.assertEqual((copy.cci_moderation_state, copy.state), ("draft", "draft"))
        self.assertFalse(copy.cci_decision_ids)
        self.assertFalse(copy.cci_moderator_id)


class TestChangesAfterApproval(ModerationCase):
    def test_editing_the_content_sends_it_back_to_the_moderator(self):
        for vals in ({"body_html": "<p>Another text</p>"}, {"name": "Another subject"},
                     {"mailing_domain": "[('id', '=', %d)]" % self.loner.id}):
            mailing = self.approved()
            mailing.sudo(self.user_formation).write(vals)
            self.assertEqual((mailing.cci_moderation_state, mailing.state),
                             ("submitted", "draft"), vals)
            step = self.decisions(mailing)[-1]
            self.assertEqual((step.decision, step.state_from, step.user_id),
                             ("changed", "approved", self.user_formation))
            self.assertIn(self.moderator, self.moderation_activities(mailing).mapped("user_id"))

    def test_renaming_the_subject_through_its_utm_source_counts_too(self):
        mailing = self.approved()
        mailing.source_id.sudo(self.user_formation).write({"name": "Sneaky subject"})
        self.assertEqual(mailing.cci_moderation_state, "submitted")

    def test_harmless_writes_keep_the_approval(self):
        mailing = self.approved()
        body = mailing.body_html
        mailing.sudo(self.user_formation).write({"color": 3, "body_html": body})
        # Odoo rewrites local links to absolute ones before a test or a send
        mailing.sudo(self.user_formation).write(
            {"body_html": self.env["mail.template"]._replace_local_links(body)})
        self.assertEqual((mailing.cci_moderation_state, mailing.state), ("approved", "in_queue"))

    def test_a_test_message_does_not_undo_the_approval(self):
        mailing = self.approved(body_html="<p>See <a href='/page/agenda'>agenda</a></p>")
        wizard = self.env["mail.mass_mailing.test"].sudo(self.user_formation).create(
            {"mass_mailing_id": mailing.id, "email_to": "me@chamber.example.com"})
        wizard.send_mail_test()
        self.assertEqual(mailing.cci_moderation_state, "approved")


class TestSending(ModerationCase):
    def test_the_queue_sends_approved_mailings_when_their_date_has_come(self):
        due = self.approved(schedule_date=in_days(-1))
        later = self.approved(schedule_date=in_days(5))
        waiting = self.submitted()
        self.queue()
        self.assertEqual(due.state, "done")
        self.assertEqual(self.sent_count(due), 2)
        self.assertTrue(due.sent_date)
        self.assertEqual(due.cci_planning_date, due.sent_date)
        self.assertEqual((later.state, self.sent_count(later)), ("in_queue", 0))
        self.assertEqual((waiting.state, self.sent_count(waiting)), ("draft", 0))

    @mute_logger("odoo.addons.cci_marketing.models.mail_mass_mailing_sending")
    def test_the_queue_takes_out_what_got_there_without_approval(self):
        mailing = self.submitted()
        # only SQL (or data older than the addon) can do this: the ORM refuses it
        self.env.cr.execute("UPDATE mail_mass_mailing SET state = 'in_queue' WHERE id = %s",
                            (mailing.id,))
        mailing.invalidate_cache()
        self.queue()
        self.assertEqual((mailing.state, self.sent_count(mailing)), ("draft", 0))
        self.assertEqual(mailing.cci_moderation_state, "submitted")

    def test_approved_mailing_does_not_leave_before_its_date(self):
        mailing = self.approved(schedule_date=in_days(3))
        with self.assertRaises(UserError):
            mailing.sudo().send_mail()
        self.assertEqual(self.sent_count(mailing), 0)

    def test_approved_mailing_may_be_put_in_queue_again(self):
        mailing = self.approved(schedule_date=in_days(3))
        self.assertIs(mailing.sudo(self.user_formation).put_in_queue(), True)
        self.assertEqual(mailing.state, "in_queue")


class TestPlanning(ModerationCase):
    def test_planning_date_follows_the_wish_then_the_decision(self):
        mailing = self.draft(cci_requested_date=in_days(9))
        self.assertEqual(mailing.cci_planning_date, in_days(9))
        mailing.action_cci_submit()
        mailing.sudo(self.moderator).action_cci_approve(in_days(12))
        self.assertEqual(mailing.cci_planning_date, in_days(12))

    def test_moderators_land_on_the_mailings_to_decide(self):
        action = self.Mailing.sudo(self.moderator).cci_action_planning()
        self.assertEqual(action["context"].get("search_default_to_decide"), 1)
        action = self.Mailing.sudo(self.user_formation).cci_action_planning()
        self.assertEqual(action["context"].get("search_default_planned"), 1)
        self.assertNotIn("search_default_to_decide", action["context"])
        self.assertEqual(action["res_model"], "mail.mass_mailing")

    def test_kanban_shows_every_moderation_state(self):
        groups = self.Mailing.sudo(self.moderator).read_group(
            [("id", "=", 0)], ["cci_moderation_state"], ["cci_moderation_state"])
        self.assertEqual([g["cci_moderation_state"] for g in groups],
                         ["draft", "submitted", "approved", "rejected"])

    def test_overlapping_audiences_within_a_few_days_are_shown(self):
        first = self.submitted(partners=self.contact_a | self.contact_b | self.loner,
                               cci_requested_date=in_days(10))
        second = self.draft(partners=self.contact_b | self.loner | self.company,
                            department=self.dep_international, user=self.user_international,
                            cci_requested_date=in_days(11))
        second.action_cci_submit()
        far = self.submitted(partners=self.contact_a, cci_requested_date=in_days(30))
        overlaps = first.sudo(self.moderator).cci_check_overlaps()
        self.assertEqual([(o["id"], o["shared"]) for o in overlaps], [(second.id, 2)])
        self.assertEqual(overlaps[0]["department"], "T International")
        self.assertEqual(overlaps[0]["moderation_state"], "submitted")
        self.assertEqual(first.sudo(self.moderator).cci_overlap_count, 1)
        self.assertIn("T International", first.sudo(self.moderator).cci_overlap_html)
        self.assertEqual(far.sudo(self.moderator).cci_check_overlaps(), [])
        # the moderator's dialog shows them before deciding
        wizard = self.env["cci.moderation.wizard"].sudo(self.moderator).with_context(
            active_model="mail.mass_mailing", active_id=first.id).create({})
        self.assertEqual(wizard.overlap_count, 1)
        self.assertEqual(wizard.schedule_date, first.cci_requested_date)

    def test_an_address_shared_by_a_contact_and_a_mailing_contact_overlaps(self):
        contact = self.env["mail.mass_mailing.contact"].create(
            {"name": "Jeanne", "email": "Jeanne@Boulangerie-Martin.example.com"})
        first = self.submitted(partners=self.contact_a, cci_requested_date=in_days(10))
        second = self.submitted(
            partners=self.loner, cci_requested_date=in_days(10),
            mailing_model_id=self.env.ref("mass_mailing.model_mail_mass_mailing_list").id,
            mailing_domain="[('id', 'in', [%d])]" % contact.id)
        self.assertEqual([o["shared"] for o in first.cci_check_overlaps()], [1])
        self.assertEqual([o["id"] for o in second.cci_check_overlaps()], [first.id])


class TestDecisionDialog(ModerationCase):
    def wizard(self, mailing, **vals):
        return self.env["cci.moderation.wizard"].sudo(self.moderator).create(
            dict(vals, mass_mailing_id=mailing.id))

    def test_the_dialog_approves_postpones_and_rejects(self):
        approve = self.submitted()
        self.wizard(approve, decision="approve", schedule_date=in_days(4)).action_confirm()
        self.assertEqual((approve.cci_moderation_state, approve.schedule_date),
                         ("approved", in_days(4)))
        postpone = self.submitted()
        self.wizard(postpone, decision="postpone", schedule_date=in_days(20),
                    reason="Later").action_confirm()
        self.assertEqual((postpone.cci_moderation_state, postpone.cci_moderation_note),
                         ("approved", "Later"))
        reject = self.submitted()
        self.wizard(reject, decision="reject", reason="No").action_confirm()
        self.assertEqual(reject.cci_moderation_state, "rejected")

    def test_the_dialog_refuses_a_rejection_without_reason(self):
        mailing = self.submitted()
        with self.assertRaises(UserError):
            self.wizard(mailing, decision="reject").action_confirm()
        self.assertEqual(mailing.cci_moderation_state, "submitted")


class TestBadInput(ModerationCase):
    def assertRefused(self, mailing, call, *words):
        state = (mailing.cci_moderation_state, mailing.state, mailing.schedule_date,
                 len(mailing.sudo().cci_decision_ids))
        with self.assertRaises(UserError) as err:
            call()
        for word in words:
            self.assertIn(word.lower(), str(err.exception).lower())
        mailing.invalidate_cache()
        self.assertEqual((mailing.cci_moderation_state, mailing.state, mailing.schedule_date,
                          len(mailing.sudo().cci_decision_ids)), state, "nothing written")

    def test_wrong_dates(self):
        mailing = self.submitted()
        as_moderator = mailing.sudo(self.moderator)
        self.assertRefused(mailing, lambda: as_moderator.action_cci_approve("next monday"),
                           "YYYY-MM-DD")
        self.assertRefused(mailing, lambda: as_moderator.action_cci_approve("2026-13-45"))
        self.assertRefused(mailing, lambda: as_moderator.action_cci_postpone(False, "Later"),
                           "later date")
        self.assertRefused(
            mailing, lambda: as_moderator.action_cci_postpone(in_days(-2), "Later"), "later")
        # postponing means later than what was wished
        self.assertRefused(
            mailing, lambda: as_moderator.action_cci_postpone(in_days(5), "Later"), "later")
        as_moderator.action_cci_approve("%s" % in_days(3)[:10])
        self.assertEqual(mailing.schedule_date, in_days(3)[:10] + " 00:00:00")

    def test_reasons_are_required(self):
        mailing = self.submitted()
        as_moderator = mailing.sudo(self.moderator)
        for reason in (False, "", "   ", 42):
            self.assertRefused(mailing, lambda r=reason: as_moderator.action_cci_reject(r),
                               "reason")
            self.assertRefused(
                mailing, lambda r=reason: as_moderator.action_cci_postpone(in_days(30), r),
                "reason")

    def test_actions_in_the_wrong_state(self):
        draft = self.draft()
        as_moderator = draft.sudo(self.moderator)
        self.assertRefused(draft, lambda: as_moderator.action_cci_approve(), "draft")
        self.assertRefused(draft, lambda: as_moderator.action_cci_reject("No"), "draft")
        self.assertRefused(draft, lambda: draft.action_cci_reset_draft(), "draft")
        submitted = self.submitted()
        self.assertRefused(submitted, lambda: submitted.action_cci_submit(), "submitted")
        approved = self.approved()
        self.assertRefused(approved, lambda: approved.sudo(self.moderator).action_cci_approve(),
                           "approved")

    def test_each_refusal_is_one_whole_sentence(self):
        """The refusals name the decision in a sentence of their own (no verb or state
        glued into a common sentence), in English and in French."""
        draft = self.draft(name="Matinale")
        submitted = self.submitted(name="Salon")

        def as_user(mailing, user, lang):
            return mailing.sudo(user).with_context(lang=lang)

        cases = [
            (lambda lang: as_user(draft, self.moderator, lang).action_cci_approve(),
             'You cannot approve "Matinale": its moderation state is "Draft".',
             "Vous ne pouvez pas approuver la campagne « Matinale » : elle est à l'état "
             "« Brouillon »."),
            (lambda lang: as_user(draft, self.moderator, lang).action_cci_reject("No"),
             'You cannot reject "Matinale": its moderation state is "Draft".',
             "Vous ne pouvez pas refuser la campagne « Matinale »"),
            (lambda lang: as_user(draft, self.user_formation, lang).action_cci_reset_draft(),
             'You cannot put "Matinale" back to draft: its moderation state is "Draft".',
             "Vous ne pouvez pas remettre la campagne « Matinale » en brouillon"),
            (lambda lang: as_user(submitted, self.user_formation, lang).action_cci_submit(),
             '"Salon" is already submitted: only a draft or rejected mailing can be '
             'submitted.', "La campagne « Salon » est déjà soumise"),
            (lambda lang: as_user(submitted, self.moderator, lang).action_cci_postpone(
                in_days(30), " "),
             "Give a reason to postpone a mailing: the department is told of it.",
             "Indiquez un motif pour reporter une campagne"),
        ]
        french = self.env["res.lang"].search([("code", "=", "fr_FR")])
        for call, english, french_start in cases:
            with self.assertRaises(UserError) as err:
                call("en_US")
            self.assertEqual(err.exception.name, english)
            if french:  # the addon's French comes with the demo data's language
                with self.assertRaises(UserError) as err:
                    call("fr_FR")
                self.assertTrue(err.exception.name.startswith(french_start),
                                err.exception.name)

    def test_decisions_on_a_sent_mailing_are_refused(self):
        mailing = self.approved(schedule_date=in_days(-1))
        self.queue()
        self.assertEqual(mailing.state, "done")
        as_moderator = mailing.sudo(self.moderator)
        self.assertRefused(mailing, lambda: as_moderator.action_cci_reject("Late"), "sent")
        self.assertRefused(mailing, lambda: mailing.action_cci_reset_draft(), "sent")
        self.assertRefused(mailing, lambda: mailing.action_cci_submit(), "sent")

    def test_submit_needs_a_department_and_a_wish_in_the_future(self):
        mailing = self.draft()
        mailing.sudo().write({"cci_department_id": False})
        self.assertRefused(mailing, lambda: mailing.sudo(self.moderator).action_cci_submit(),
                           "department")
        past = self.draft(cci_requested_date=in_days(-1))
        self.assertRefused(past, lambda: past.action_cci_submit(), "past")

    def test_a_batch_is_checked_before_anything_is_written(self):
        good = self.submitted()
        bad = self.draft()
        with self.assertRaises(UserError):
            (good | bad).sudo(self.moderator).action_cci_approve()
        self.assertEqual(good.cci_moderation_state, "submitted")
