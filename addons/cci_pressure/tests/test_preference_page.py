from werkzeug.datastructures import MultiDict

from odoo.exceptions import UserError

from .common import PressureCase


class TestPreferencePage(PressureCase):
    """The page a contact reaches from a mailing: what the chamber sends them, in words,
    and their choices, applied as the chamber's staff would and written on the timeline."""

    def setUp(self):
        super().setUp()
        self.mailing = self.sent(self.loner, self.at(-3), category=self.newsletter,
                                 department=self.dep_formation, name="Lettre")
        self.page = self.env["cci.preference.page"].with_context(lang="fr_FR")

    def test_the_page_says_what_the_chamber_sends_in_french(self):
        self.sent(self.loner, self.at(-2), department=self.dep_international)
        self.loner.cci_own_limit = "month"
        values = self.page._values(self.mailing, "sophie@example.com", "/x")
        self.assertIn("2 messages", values["sent_words"])
        self.assertIn(self.dep_formation.name, values["sent_words"])
        self.assertIn("au plus un message par mois", values["choices_words"])
        html = self.env["ir.ui.view"].with_context(lang="fr_FR").render_template(
            "cci_pressure.preference_page", values).decode()
        self.assertIn('name="viewport"', html)
        self.assertIn("Tout arrêter", html)
        self.assertIn(self.dep_international.name, html)

    def test_choices_are_saved_and_told_on_the_timeline(self):
        form = MultiDict([("own_limit", "week"), ("department_ids", str(self.dep_formation.id)),
                          ("category_ids", str(self.offer.id)), ("pause_until", "2999-01-01")])
        self.page._apply(self.mailing, "sophie@example.com", form)
        self.assertEqual(self.loner.cci_own_limit, "week")
        self.assertEqual(self.loner.cci_optout_department_ids, self.dep_formation)
        self.assertEqual(self.loner.cci_optout_category_ids, self.offer)
        self.assertEqual(self.loner.cci_no_solicit_until, "2999-01-01")
        [row] = self.loner.cci_timeline(kinds=["preference_changed"])
        self.assertIn("page de préférences", row["name"])
        self.assertFalse(self.loner.opt_out)

    def test_stop_everything(self):
        self.page._apply(self.mailing, "sophie@example.com", MultiDict([("stop_all", "1")]))
        self.assertTrue(self.loner.opt_out)
        self.assertEqual(len(self.loner.cci_timeline(kinds=["unsubscribed"])), 1)

    def test_bad_input_changes_nothing(self):
        for form in (MultiDict([("own_limit", "daily")]),
                     MultiDict([("department_ids", "abc")]),
                     MultiDict([("pause_until", "demain")])):
            with self.assertRaises(UserError):
                self.page._apply(self.mailing, "sophie@example.com", form)
        self.assertEqual(self.loner.cci_own_limit, "none")
        self.assertFalse(self.loner.cci_timeline(kinds=["preference_changed"]))
        # an address no contact has can only stop everything
        with self.assertRaises(UserError):
            self.page._apply(self.mailing, "nobody@example.com", MultiDict([("own_limit", "week")]))
