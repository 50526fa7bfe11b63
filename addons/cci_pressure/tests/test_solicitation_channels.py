from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import mute_logger

from .common import PressureCase


class TestSolicitationChannels(PressureCase):
    """Calls and meetings count in the quotas as the moderator says, with their department
    and the weight of their category, in the check, the suggestion and the sending."""

    def setUp(self):
        super().setUp()
        # an advisor who may write on contacts (Odoo's own right to plan activities on them)
        self.user_formation.groups_id |= self.env.ref("base.group_partner_manager")
        Category = self.env["cci.mailing.category"]
        self.call_category = Category.create({"name": "T Call", "weight": 1})
        self.visit_category = Category.create({"name": "T Visit", "weight": 2})
        self.call_type = self.env.ref("mail.mail_activity_data_call")
        Channel = self.env["cci.solicitation.channel"].sudo(self.moderator)
        self.calls = Channel.create({"name": "T Calls", "kind": "activity_done",
                                     "activity_type_id": self.call_type.id,
                                     "category_id": self.call_category.id})
        self.meetings = Channel.create({"name": "T Meetings", "kind": "meeting",
                                        "category_id": self.visit_category.id})

    def call(self, partner, activity_type=None):
        activity = self.env["mail.activity"].sudo(self.user_formation).create({
            "res_model_id": self.partner_model.id, "res_id": partner.id,
            "activity_type_id": (activity_type or self.call_type).id,
            "summary": "Appel", "user_id": self.user_formation.id})
        activity.action_feedback("Fait")

    def meeting(self, partners, user, days=-1):
        start = fields.Datetime.to_string(
            fields.Datetime.from_string(fields.Datetime.now()) + timedelta(days=days))
        return self.env["calendar.event"].with_context(no_mail_to_attendees=True).create({
            "name": "Rendez-vous", "start": start, "stop": start, "user_id": user.id,
            "partner_ids": [(6, 0, partners.ids)]})

    def row(self, partner, kind):
        return self.env["cci.interaction"].search([("partner_id", "=", partner.id),
                                                   ("kind", "=", kind)])

    def test_captured_with_department_and_category(self):
        self.call(self.contact_a)
        call = self.row(self.contact_a, "activity_done")
        self.assertEqual((call.cci_category_id, call.is_solicitation, call.department_id),
                         (self.call_category, True, self.dep_formation))
        # another type of activity is no solicitation
        self.call(self.contact_b, self.env.ref("mail.mail_activity_data_email"))
        other = self.row(self.contact_b, "activity_done")
        self.assertEqual((other.cci_category_id.id, other.is_solicitation), (False, False))
        # a meeting organised by a department counts, one by a user of none does not
        self.meeting(self.contact_b, self.user_international)
        self.assertEqual(self.row(self.contact_b, "meeting").cci_category_id,
                         self.visit_category)
        self.meeting(self.loner, self.employee)
        self.assertFalse(self.row(self.loner, "meeting").is_solicitation)

    def test_counted_by_the_check_the_suggestion_and_the_sending(self):
        self.rule("T three a month per company", 3, 30, scope="company")
        self.call(self.contact_a)  # 1, Formation
        self.meeting(self.contact_b, self.user_international)  # 2, International
        answer = self.contact_a.cci_pressure(date=self.at())[str(self.contact_a.id)]
        self.assertEqual(answer["rules"][0]["by_department"],
                         {"T Formation": 1.0, "T International": 2.0})
        mailing = self.create_mailing(self.contact_a | self.loner, self.dep_formation)
        check = self.check(mailing)
        self.assertEqual((check["over_quota"], check["by_department"]),
                         (1, {"T Formation": 1, "T International": 1}))
        self.assertEqual(check["suggested_date"], answer["next_free_date"])
        self.assertEqual(self.company.cci_pressure_level, "full")
        # the rules that filter on categories count them by their channel's category
        self.rule("T no second call", 1, 7, category_ids=[(6, 0, self.call_category.ids)])
        self.call(self.contact_a)
        phoning = self.create_mailing(self.contact_a, self.dep_formation,
                                      cci_category_id=self.call_category.id)
        self.assertIn("T no second call", self.check(phoning)["by_rule"])
        # at send time, the company's contact is held back because of calls and meetings
        excluded = mailing._cci_pressure_exclusions([(self.contact_a.id, self.contact_a.id,
                                                      self.contact_a.email)])
        self.assertIn("T three a month per company", excluded[self.contact_a.id])

    def test_history_counted_when_a_channel_is_added(self):
        self.meetings.active = False
        self.meeting(self.contact_a, self.user_formation)
        self.assertFalse(self.row(self.contact_a, "meeting").is_solicitation)
        self.env["cci.solicitation.channel"].sudo(self.moderator).create({
            "name": "T Prospecting", "kind": "meeting",
            "category_id": self.call_category.id})
        self.assertEqual(self.row(self.contact_a, "meeting").cci_category_id,
                         self.call_category)
        self.assertEqual(self.contact_a.cci_solicitation_count_30d, 1)
        # idempotent: counted once, whatever runs again
        self.assertEqual(self.env["cci.solicitation.channel"]._cci_stamp(), [])

    def test_only_moderators_change_what_counts(self):
        values = {"name": "T Pirate", "kind": "meeting", "category_id": self.call_category.id}
        for user in (self.user_formation, self.employee):
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                self.env["cci.solicitation.channel"].sudo(user).create(values)
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                self.calls.sudo(user).write({"category_id": self.visit_category.id})
        self.assertTrue(self.calls.sudo(self.employee).read(["name"]))
        with self.assertRaisesRegex(ValidationError, "Only an activity has an activity type"):
            self.meetings.sudo(self.moderator).write({"activity_type_id": self.call_type.id})

    # ------------------------------------------------------------------
    # Advice where a person solicits by hand
    # ------------------------------------------------------------------

    def test_planning_a_call_shows_the_pressure_as_advice(self):
        self.rule("T three a month per company", 3, 30, scope="company")
        self.call(self.contact_a)  # 1, Formation
        self.meeting(self.contact_b, self.user_international)  # 2, International
        planned = self.env["mail.activity"].sudo(self.user_formation).create({
            "res_model_id": self.partner_model.id, "res_id": self.contact_a.id,
            "activity_type_id": self.call_type.id, "summary": "Rappel",
            "user_id": self.user_formation.id})
        advice = planned.cci_pressure_advice
        self.assertIn("T three a month per company (%s): 3 of 3 used, by T Formation 1, "
                      "T International 2" % self.company.display_name, advice)
        self.assertIn("A solicitation fits again from", advice)
        self.assertIn("Advice only", advice)
        # advice, not a block: the call is made, and it counts
        planned.action_feedback("Fait")
        answer = self.contact_a.cci_pressure()[str(self.contact_a.id)]
        self.assertEqual(answer["rules"][0]["used"], 4.0)
        # an employee outside the departments reads the same advice
        other = self.env["mail.activity"].sudo(self.employee).new({
            "res_model": "res.partner", "res_id": self.loner.id})
        self.assertIn("A solicitation fits now.", other.cci_pressure_advice)
        self.assertIn(self.loner.display_name, other.cci_pressure_advice)

    def test_a_meeting_and_a_registration_advise_on_the_outside_people(self):
        self.rule("T one a week", 1, 7)
        self.sent(self.loner, self.at(-2))
        event = self.meeting(self.loner | self.contact_a | self.user_formation.partner_id,
                             self.user_formation, days=3)
        advice = event.sudo(self.user_formation).cci_pressure_advice
        self.assertIn("Solicitation pressure of %s" % self.loner.display_name, advice)
        self.assertIn("Solicitation pressure of %s" % self.contact_a.display_name, advice)
        advisor = self.user_formation.partner_id.display_name
        self.assertNotIn("Solicitation pressure of %s" % advisor, advice)
        self.assertIn("T one a week (%s): 1 of 1 used" % self.loner.display_name, advice)
        show = self.env["event.event"].create({
            "name": "T Salon", "date_begin": self.at(10), "date_end": self.at(11)})
        registration = self.env["event.registration"].sudo(self.user_formation).new({
            "event_id": show.id, "partner_id": self.loner.id})
        self.assertIn("T one a week (%s): 1 of 1 used" % self.loner.display_name,
                      registration.cci_pressure_advice)
        self.assertFalse(self.env["event.registration"].new({}).cci_pressure_advice)
        # the list of an event's attendees shows each one's level
        self.assertEqual(self.loner.cci_pressure_level, "full")
        attendee = self.env["event.registration"].create({
            "event_id": show.id, "partner_id": self.loner.id})
        self.assertEqual(attendee.sudo(self.user_formation).cci_partner_pressure_level, "full")
        arch = self.env["event.registration"].fields_view_get(view_type="tree")["arch"]
        self.assertIn("cci_partner_pressure_level", arch)

    def test_the_partner_form_charts_channels_and_departments(self):
        self.rule("T three a month per company", 3, 30, scope="company")
        self.call(self.contact_a)  # 1, Formation
        self.meeting(self.contact_b, self.user_international)  # 2, International
        chart = self.company.sudo(self.employee).cci_pressure_chart
        for label, weight in (("Call, visit, letter (activity)", 1), ("Meeting", 2),
                              ("T Formation", 1), ("T International", 2)):
            self.assertIn("%s <strong>%d</strong>" % (label, weight), chart)
        self.assertIn("width: 100%", chart)
        # a contact: only their own solicitations
        chart = self.contact_a.cci_pressure_chart
        self.assertIn("T Formation <strong>1</strong>", chart)
        self.assertNotIn("T International", chart)
        self.assertIn("No solicitation in the last", self.loner.cci_pressure_chart)

    def test_the_advice_picks_the_channel_the_ledger_would(self):
        tag = self.env["calendar.event.type"].create({"name": "T Prospecting"})
        Channel = self.env["cci.solicitation.channel"].sudo(self.moderator)
        Channel.create({"name": "T Prospecting visits", "kind": "meeting",
                        "meeting_type_id": tag.id, "category_id": self.call_category.id})
        self.assertEqual(Channel._cci_category_of("meeting"), self.visit_category)
        self.assertEqual(Channel._cci_category_of("meeting", meeting_tags=tag),
                         self.call_category)
        self.assertEqual(Channel._cci_category_of("activity_done", self.call_type),
                         self.call_category)
        self.assertFalse(Channel._cci_category_of(
            "activity_done", self.env.ref("mail.mail_activity_data_email")))
        self.assertFalse(Channel._cci_category_of("event_registered"))
