from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from .common import PressureCase


class TestDecisionImpact(PressureCase):
    """The decision dialog shows, before the decision, this mailing's quotas on the date
    chosen and the change for the other planned mailings, counted as the check counts."""

    def setUp(self):
        super().setUp()
        self.rule("T one a week", 1, 7)
        # Mission export, submitted for day 2 to Jeanne: nobody over while nothing is approved
        self.export = self.create_mailing(
            self.contact_a, self.dep_international, name="T Mission export",
            cci_category_id=self.newsletter.id, cci_moderation_state="submitted",
            cci_requested_date=self.at(2))
        self.mailing = self.create_mailing(
            self.contact_a | self.loner, name="T Salon", cci_category_id=self.newsletter.id,
            cci_moderation_state="submitted", cci_requested_date=self.at(0))

    def decide(self, decision, days=0):
        return self.mailing.sudo(self.moderator).cci_check_decision(decision, self.at(days))

    def test_approving_puts_the_other_mailings_recipients_over_quota(self):
        self.assertEqual(self.export.cci_check_pressure()["over_quota"], 0)
        impact = self.decide("approve")
        self.assertEqual((impact["mailing"]["total"], impact["mailing"]["over_quota"]), (2, 0))
        self.assertEqual(impact["others"], [{
            "id": self.export.id, "name": "T Mission export", "date": self.at(2),
            "over_quota_before": 0, "over_quota_after": 1, "change": 1,
        }])
        # nothing was decided: the mailing and the other's figures are as they were
        self.assertEqual(self.mailing.cci_moderation_state, "submitted")
        self.assertEqual(self.mailing.state, "draft")
        self.assertEqual(self.export.cci_check_pressure()["over_quota"], 0)

    def test_a_date_out_of_the_window_changes_nothing(self):
        self.assertEqual(self.decide("postpone", days=10)["others"], [])

    def test_rejecting_an_approved_mailing_frees_the_others(self):
        self.mailing.write({"cci_moderation_state": "approved", "state": "in_queue",
                            "schedule_date": self.at(0)})
        self.assertEqual(self.export.cci_check_pressure()["over_quota"], 1)
        impact = self.decide("reject")
        self.assertIs(impact["mailing"], False)
        self.assertEqual([(o["id"], o["change"]) for o in impact["others"]],
                         [(self.export.id, -1)])

    def test_only_the_moderator_checks_a_decision_and_with_good_input(self):
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.mailing.sudo(self.user_formation).cci_check_decision("approve")
        with self.assertRaises(UserError):
            self.decide("publish")
        with self.assertRaises(UserError):
            self.mailing.sudo(self.moderator).cci_check_decision("approve", "demain")

    def wizard(self, user, **vals):
        vals.setdefault("schedule_date", self.at(0))
        return self.env["cci.moderation.wizard"].sudo(user).with_context(
            active_model="mail.mass_mailing", active_id=self.mailing.id).create(vals)

    def test_the_dialog_shows_the_figures_and_the_impact(self):
        self.sent(self.loner, self.at(-2))
        wizard = self.wizard(self.moderator, decision="approve")
        self.assertTrue(wizard.cci_pressure_checked)
        self.assertEqual((wizard.cci_pressure_total, wizard.cci_pressure_ok,
                          wizard.cci_pressure_over), (2, 1, 1))
        self.assertTrue(wizard.cci_pressure_better)
        self.assertEqual(wizard.cci_pressure_suggested_date, self.at(5))
        self.assertIn("T Mission export: 1 more recipient over quota", wizard.cci_impact_html)
        # rejecting shows no figures of its own, only what it frees (nothing here)
        wizard.decision = "reject"
        self.assertFalse(wizard.cci_pressure_checked)
        self.assertIn("No other planned mailing", wizard.cci_impact_html)
        # a department member sees no figures and cannot decide
        member = self.wizard(self.user_formation, decision="approve")
        self.assertFalse(member.cci_pressure_checked)
        self.assertFalse(member.cci_impact_html)
        with self.assertRaises(AccessError):
            member.action_confirm()

    def test_a_bad_date_in_the_dialog_is_told_not_raised(self):
        wizard = self.wizard(self.moderator, decision="approve",
                             schedule_date="2099-01-01 09:00:00")
        self.assertFalse(wizard.cci_pressure_checked)
        self.assertIn("2099", wizard.cci_pressure_error or "")

    def test_the_suggested_date_with_a_reason_of_her_own(self):
        self.sent(self.loner, self.at(-2))
        Mailing = self.mailing.sudo(self.moderator)
        action = Mailing.with_context(cci_decide_in_dialog=True) \
            .action_cci_postpone_to_suggested()
        self.assertEqual(action["res_model"], "cci.moderation.wizard")
        context = action["context"]
        self.assertEqual((context["default_decision"], context["default_schedule_date"]),
                         ("postpone", self.at(5)))
        self.assertIn("fewest", context["default_reason"])
        # nothing decided yet; she writes her own reason and confirms
        self.assertEqual(self.mailing.cci_moderation_state, "submitted")
        wizard = self.env["cci.moderation.wizard"].sudo(self.moderator).with_context(
            **context).create({"reason": "Après le salon, comme convenu."})
        self.assertEqual(wizard.schedule_date, self.at(5))
        wizard.action_confirm()
        self.assertEqual((self.mailing.cci_moderation_state, self.mailing.schedule_date),
                         ("approved", self.at(5)))
        self.assertEqual(self.mailing.cci_moderation_note, "Après le salon, comme convenu.")
        # a department member does not get the dialog
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.export.sudo(self.user_international).with_context(
                cci_decide_in_dialog=True).action_cci_postpone_to_suggested()

    def test_use_the_suggested_date_fills_the_send_date(self):
        self.sent(self.loner, self.at(-2))
        wizard = self.env["cci.moderation.wizard"].sudo(self.moderator).with_context(
            active_model="mail.mass_mailing", active_id=self.mailing.id).new(
            {"mass_mailing_id": self.mailing.id, "decision": "postpone",
             "schedule_date": self.at(0), "cci_use_suggested": True})
        wizard._onchange_cci_use_suggested()
        self.assertEqual(wizard.schedule_date, self.at(5))
        self.assertFalse(wizard.cci_use_suggested)

    def test_the_panel_writes_its_date_without_seconds_and_counts_as_sentences(self):
        self.loner.cci_no_solicit_until = "2999-01-01"
        mailing = self.mailing.sudo(self.user_formation)
        self.assertTrue(mailing.cci_pressure_date_text)
        self.assertNotRegex(mailing.cci_pressure_date_text, r"\d\d:\d\d:\d\d")
        self.assertIn("(", mailing.cci_pressure_date_text)  # the zone is named
        self.assertIn("<li>No solicitation wanted before a date: 1</li>",
                      mailing.cci_pressure_summary)
