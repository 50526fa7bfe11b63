"""Who may do what in the moderation, and every way around it that must stay closed."""
from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .test_moderation import ModerationCase, in_days


class TestRoles(ModerationCase):
    @mute_logger("odoo.addons.base.ir.ir_model")
    def test_a_member_submits_only_for_their_own_departments(self):
        mailing = self.draft()
        with self.assertRaises(AccessError):
            mailing.sudo(self.user_international).action_cci_submit()
        with self.assertRaises(AccessError):
            self.create_mailing(self.loner, self.dep_formation, self.user_international)
        with self.assertRaises(AccessError):
            self.draft().sudo(self.user_formation).write(
                {"cci_department_id": self.dep_international.id})
        self.assertEqual(mailing.cci_moderation_state, "draft")
        mailing.action_cci_submit()
        self.assertEqual(mailing.cci_moderation_state, "submitted")

    def test_the_moderator_submits_for_any_department_keeping_the_requester(self):
        mailing = self.draft(department=self.dep_international, user=self.user_international)
        mailing.sudo(self.moderator).action_cci_submit()
        self.assertEqual(mailing.cci_moderation_state, "submitted")
        self.assertEqual(mailing.cci_requester_id, self.user_international)

    def test_only_moderators_decide(self):
        mailing = self.submitted()
        for user in (self.user_formation, self.user_international, self.employee):
            self.assertCannotDecide(mailing.sudo(user))
        self.assertEqual(mailing.cci_moderation_state, "submitted")
        mailing.sudo(self.moderator).action_cci_reject("No")
        self.assertEqual(mailing.cci_moderation_state, "rejected")

    @mute_logger("odoo.addons.base.ir.ir_model")
    def test_reset_by_the_requesting_department_or_the_moderator(self):
        mailing = self.approved()
        for user in (self.user_international, self.employee):
            with self.assertRaises(AccessError):
                mailing.sudo(user).action_cci_reset_draft()
        self.assertEqual(mailing.cci_moderation_state, "approved")
        mailing.sudo(self.moderator).action_cci_reset_draft()
        self.assertEqual(mailing.cci_moderation_state, "draft")

    @mute_logger("odoo.addons.base.ir.ir_model", "odoo.models")
    def test_the_form_shows_only_the_buttons_the_user_can_use(self):
        """cci_can_edit / cci_can_reset hide Edit and Back to draft where they would fail
        with an access error; they say what the server enforces."""
        def can(mailing, user):
            mailing.invalidate_cache()  # computed per user, cached per record
            mine = mailing.sudo(user)
            return mine.cci_can_edit, mine.cci_can_reset

        submitted = self.submitted()
        self.assertEqual(can(submitted, self.user_formation), (True, True))
        self.assertEqual(can(submitted, self.moderator), (True, True))
        for user in (self.user_international, self.employee):
            self.assertEqual(can(submitted, user), (False, False), user.login)
            with self.assertRaises(AccessError):
                submitted.sudo(user).write({"name": "Not mine"})
            with self.assertRaises(AccessError):
                submitted.sudo(user).action_cci_reset_draft()
        draft = self.draft()
        self.assertEqual(can(draft, self.user_formation), (True, False), "already a draft")
        sent = self.approved()
        self.env.cr.execute("UPDATE mail_mass_mailing SET state = 'done' WHERE id = %s",
                            (sent.id,))
        self.assertEqual(can(sent, self.user_formation)[1], False, "sent: no way back")
        form = self.Mailing.sudo(self.user_formation).fields_view_get(
            self.env.ref("cci_marketing.mail_mass_mailing_view_form").id, "form")
        reset = etree.fromstring(form["arch"]).xpath("//button[@name='action_cci_reset_draft']")
        self.assertIn("cci_can_reset", reset[0].get("modifiers"))

    @mute_logger("odoo.addons.base.ir.ir_model", "odoo.models")
    def test_members_see_their_drafts_and_everyone_sees_the_planning(self):
        draft = self.draft()
        submitted = self.submitted()
        Mailing = self.env["mail.mass_mailing"]
        own = Mailing.sudo(self.user_formation).search([("id", "in", (draft | submitted).ids)])
        self.assertEqual(own, draft | submitted)
        for user in (self.user_international, self.employee):
            seen = Mailing.sudo(user).search([("id", "in", (draft | submitted).ids)])
            self.assertEqual(seen.ids, submitted.ids, user.login)
            planning = submitted.sudo(user).read(
                ["name", "cci_department_id", "cci_requested_date", "cci_planning_date",
                 "cci_moderation_state", "schedule_date"])[0]
            self.assertEqual(planning["cci_department_id"][0], self.dep_formation.id)
            with self.assertRaises(AccessError):
                draft.sudo(user).read(["name"])
        self.assertTrue(submitted.sudo(self.moderator).read(["name"]))
        self.assertTrue(draft.sudo(self.moderator).read(["name"]))

    @mute_logger("odoo.addons.base.ir.ir_model", "odoo.models")
    def test_only_the_department_edits_its_mailings(self):
        submitted = self.submitted()
        with self.assertRaises(AccessError):
            submitted.sudo(self.user_international).write({"body_html": "<p>Hijack</p>"})
        with self.assertRaises(AccessError):
            submitted.sudo(self.employee).write({"body_html": "<p>Hijack</p>"})
        with self.assertRaises(AccessError):
            self.Mailing.sudo(self.employee).create({"name": "Not mine"})
        submitted.sudo(self.user_formation).write({"body_html": "<p>Better</p>"})
        submitted.sudo(self.moderator).write({"body_html": "<p>Best</p>"})
        self.assertEqual(submitted.cci_moderation_state, "submitted")

    def test_the_history_is_read_by_all_and_written_by_none(self):
        mailing = self.submitted()
        decision = mailing.sudo().cci_decision_ids
        self.assertEqual(decision.sudo(self.employee).read(["decision"])[0]["decision"],
                         "submit")
        with self.assertRaises((AccessError, UserError)):
            self.env["cci.moderation.decision"].sudo(self.moderator).create(
                {"mass_mailing_id": mailing.id, "decision": "approve"})


class TestEmployeePlanning(ModerationCase):
    """A plain employee (no mass-mailing rights) reads the shared planning in the web client,
    from the Contacts app, and can do nothing else with it."""

    def employee_views(self, action):
        """{view type: fields_view_get} of the action's views, as the employee loads them."""
        Mailing = self.Mailing.sudo(self.employee).with_context(
            **safe_eval(action.context or "{}"))
        views = {view.view_mode: view.view_id.id for view in action.view_ids}
        return {view_type: Mailing.fields_view_get(views.get(view_type), view_type)
                for view_type in action.view_mode.split(",")}

    def test_the_planning_menu_of_the_contacts_app(self):
        menu = self.env.ref("cci_marketing.mail_mass_mailing_planning_contacts_menu")
        visible = self.env["ir.ui.menu"].sudo(self.employee)._visible_menu_ids()
        self.assertIn(menu.id, visible)
        self.assertIn(menu.parent_id.id, visible, "the Contacts app")
        action = menu.action.sudo(self.employee)
        self.assertEqual(action.res_model, "mail.mass_mailing")
        draft, submitted, approved = self.draft(), self.submitted(), self.approved()
        # the planning: requests and approved mailings, drafts aside
        search = self.Mailing.sudo(self.employee).fields_view_get(
            action.search_view_id.id, "search")
        planned = safe_eval(etree.fromstring(search["arch"]).xpath(
            "//filter[@name='planned']")[0].get("domain"))
        self.assertIn("search_default_planned", action.context)
        seen = self.Mailing.sudo(self.employee).search(
            planned + [("id", "in", (draft | submitted | approved).ids)])
        self.assertEqual(seen, submitted | approved)
        # every view reads, none offers to create, edit or delete
        views = self.employee_views(action)
        self.assertEqual(set(views), {"calendar", "kanban", "tree", "form"})
        for view_type, view in views.items():
            arch = etree.fromstring(view["arch"])
            if view_type != "calendar":
                self.assertEqual(arch.get("create"), "false", view_type)
            if view_type in ("tree", "form"):
                self.assertEqual((arch.get("edit"), arch.get("delete")), ("false", "false"),
                                 view_type)
            self.assertTrue(submitted.sudo(self.employee).read(list(view["fields"])))
        form = etree.fromstring(views["form"]["arch"])
        self.assertFalse(form.xpath("//button"), "no action from the employee's form")

    @mute_logger("odoo.addons.base.ir.ir_model", "odoo.models")
    def test_the_employee_only_reads(self):
        submitted = self.submitted()
        rejected = self.submitted()
        rejected.sudo(self.moderator).action_cci_reject("No")
        approved = self.approved()
        for mailing in (submitted, rejected, approved):
            as_employee = mailing.sudo(self.employee)
            self.assertTrue(as_employee.read(["name", "cci_moderation_state"]))
            with self.assertRaises(AccessError):
                as_employee.write({"name": "Mine now"})
            with self.assertRaises(AccessError):
                as_employee.unlink()
            self.assertCannotDecide(as_employee)
            with self.assertRaises(AccessError):
                as_employee.action_cci_reset_draft()
        with self.assertRaises(AccessError):
            rejected.sudo(self.employee).action_cci_submit()
        with self.assertRaises(AccessError):
            self.Mailing.sudo(self.employee).create({"name": "Mine"})
        self.assertEqual(
            [m.cci_moderation_state for m in (submitted, rejected, approved)],
            ["submitted", "rejected", "approved"])
        self.assertEqual(submitted.name, "Invitation petit-déjeuner")


class TestBypasses(ModerationCase):
    """Nothing leaves unapproved, whatever the path; a test to test addresses still can."""

    def assertNothingSent(self, mailing):
        mailing.invalidate_cache()
        self.assertEqual(self.sent_count(mailing), 0)
        self.assertNotIn(mailing.state, ("in_queue", "sending", "done"))

    def test_put_in_queue_send_mail_and_retry_are_refused(self):
        for mailing in (self.draft(), self.submitted()):
            for user in (self.user_formation, self.moderator):
                with self.assertRaises(UserError):
                    mailing.sudo(user).put_in_queue()
                with self.assertRaises(UserError):
                    mailing.sudo(user).send_mail()
                with self.assertRaises(UserError):
                    mailing.sudo(user).retry_failed_mail()
            with self.assertRaises(UserError):
                mailing.sudo().send_mail()
            self.assertNothingSent(mailing)

    def test_writing_the_sending_state_is_refused(self):
        mailing = self.submitted()
        for state in ("in_queue", "sending", "done"):
            for user in (self.user_formation, self.moderator):
                with self.assertRaises(UserError):
                    mailing.sudo(user).write({"state": state})
            with self.assertRaises(UserError):
                mailing.sudo().write({"state": state})
        self.queue()
        self.assertNothingSent(mailing)

    def test_creating_a_queued_mailing_is_refused(self):
        with self.assertRaises(UserError):
            self.draft(state="in_queue")
        with self.assertRaises(UserError):
            self.create_mailing(self.loner, self.dep_formation, self.moderator,
                                state="in_queue", cci_moderation_state="approved")

    def test_moderation_fields_change_only_through_the_actions(self):
        mailing = self.submitted()
        for user in (self.user_formation, self.moderator):
            for vals in ({"cci_moderation_state": "approved"},
                         {"cci_moderator_id": self.moderator.id},
                         {"cci_moderation_note": "ok"}):
                with self.assertRaises(UserError):
                    mailing.sudo(user).write(vals)
            # a context cannot stand in for the actions' pass
            with self.assertRaises(UserError):
                mailing.sudo(user).with_context(cci_moderation_token=True).write(
                    {"cci_moderation_state": "approved", "state": "in_queue"})
        self.assertEqual((mailing.cci_moderation_state, mailing.state), ("submitted", "draft"))

    def test_a_rejected_or_reset_mailing_cannot_be_queued(self):
        rejected = self.approved()
        rejected.sudo(self.moderator).action_cci_reject("No")
        reset = self.approved()
        reset.action_cci_reset_draft()
        for mailing in (rejected, reset):
            with self.assertRaises(UserError):
                mailing.sudo(self.moderator).put_in_queue()
            self.queue()
            self.assertNothingSent(mailing)

    def test_test_messages_to_test_addresses_stay_possible(self):
        mailing = self.draft()
        wizard = self.env["mail.mass_mailing.test"].sudo(self.user_formation).create(
            {"mass_mailing_id": mailing.id, "email_to": "me@chamber.example.com"})
        self.assertTrue(wizard.send_mail_test())
        mails = self.env["mail.mail"].sudo().search([("mailing_id", "=", mailing.id)])
        self.assertFalse(mails.filtered(lambda m: m.email_to != "me@chamber.example.com"))
        self.assertEqual(self.sent_count(mailing), 0)
        self.assertEqual(mailing.action_test_mailing()["res_model"], "mail.mass_mailing.test")

    def test_the_members_approved_mailing_leaves_only_with_the_queue(self):
        mailing = self.approved(schedule_date=in_days(2))
        with self.assertRaises(UserError):
            mailing.sudo(self.user_formation).send_mail()
        mailing.sudo(self.user_formation).write({"schedule_date": in_days(-1)})
        self.assertEqual(mailing.cci_moderation_state, "submitted",
                         "moving the date is a change the moderator must approve")
        self.queue()
        self.assertNothingSent(mailing)
