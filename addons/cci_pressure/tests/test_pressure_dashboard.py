from odoo.exceptions import AccessError
from odoo.tools import mute_logger

from .common import PressureCase


class TestPressureDashboard(PressureCase):
    """The moderator's figures: volume per department and month, pressure levels."""

    def test_solicitations_per_department_weighted_and_held_back(self):
        self.sent(self.contact_a | self.contact_b, self.at(-3), category=self.offer,
                  department=self.dep_formation)
        self.sent(self.contact_a, self.at(-2), department=self.dep_international)
        self.rule("T nothing", 0, 30)
        held = self.planned(self.loner, False, category=self.newsletter,
                            department=self.dep_international)
        held.get_remaining_recipients()
        Report = self.env["cci.pressure.report"].sudo(self.moderator)
        domain = [("partner_id", "in", (self.contact_a | self.contact_b | self.loner).ids)]
        groups = {
            g["department_id"][1]: g for g in Report.read_group(
                domain, ["department_id", "solicitation_count", "weight", "excluded_count"],
                ["department_id"])
        }
        formation = groups[self.dep_formation.name]
        self.assertEqual((formation["solicitation_count"], formation["weight"]), (2, 4))
        international = groups[self.dep_international.name]
        self.assertEqual((international["solicitation_count"], international["weight"],
                          international["excluded_count"]), (1, 1, 1))
        by_month = Report.read_group(domain, ["date", "solicitation_count"], ["date:month"])
        self.assertEqual(sum(g["solicitation_count"] for g in by_month), 3)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.env["cci.pressure.report"].sudo(self.employee).search([])

    def test_solicitations_by_channel_weighted_by_their_category(self):
        visit = self.env["cci.mailing.category"].create({"name": "T Visit", "weight": 2})
        self.env["cci.solicitation.channel"].sudo(self.moderator).create({
            "name": "T Visits", "kind": "activity_done", "category_id": visit.id,
            "activity_type_id": self.env.ref("mail.mail_activity_data_meeting").id})
        self.sent(self.contact_a, self.at(-3), department=self.dep_formation)
        self.user_international.groups_id |= self.env.ref("base.group_partner_manager")
        self.env["mail.activity"].sudo(self.user_international).create({
            "res_model_id": self.partner_model.id, "res_id": self.contact_b.id,
            "activity_type_id": self.env.ref("mail.mail_activity_data_meeting").id,
            "user_id": self.user_international.id}).action_feedback("Vu")
        groups = {g["channel"]: g for g in self.env["cci.pressure.report"].sudo(
            self.moderator).read_group(
                [("commercial_partner_id", "=", self.company.id), ("kind", "=", "sent")],
                ["channel", "solicitation_count", "weight", "category_id"], ["channel"])}
        self.assertEqual({channel: (g["solicitation_count"], g["weight"])
                          for channel, g in groups.items()},
                         {"mailing": (1, 1.0), "activity": (1, 2.0)})
        visits = self.env["cci.pressure.report"].search([("channel", "=", "activity"),
                                                         ("partner_id", "=", self.contact_b.id)])
        self.assertEqual((visits.category_id, visits.department_id),
                         (visit, self.dep_international))

    def test_pressure_levels(self):
        self.rule("T four a month", 4, 30)
        self.rule("T two a month per company", 2, 30, scope="company")
        Partner = self.env["res.partner"]
        self.sent(self.contact_a, self.at(-3))
        # each mailing refreshes its recipients: a has 1 of 4, the company 1 of 2
        self.assertEqual((self.contact_a.cci_pressure_ratio, self.contact_a.cci_pressure_level),
                         (50, "high"))
        self.assertEqual(self.company.cci_pressure_level, "high")
        self.assertEqual(self.loner.cci_pressure_level, "none")
        self.sent(self.contact_b, self.at(-2))
        Partner._cron_cci_refresh_tracking_fields()  # the nightly refresh (siblings too)
        self.assertEqual((self.company.cci_pressure_ratio, self.company.cci_pressure_level),
                         (100, "full"))
        self.assertEqual(self.contact_a.cci_pressure_level, "full")
        self.sent(self.loner, self.at(-2))
        # a person without company is their own company: 1 of 2
        self.assertEqual((self.loner.cci_pressure_ratio, self.loner.cci_pressure_level),
                         (50, "high"))
        levels = {g["cci_pressure_level"]: g["cci_pressure_level_count"] for g in
                  Partner.sudo(self.moderator).read_group(
                      [("id", "in", (self.contact_a | self.company | self.loner).ids)],
                      ["cci_pressure_level"], ["cci_pressure_level"])}
        self.assertEqual(levels, {"full": 2, "high": 1})

    def test_dashboard_menus_are_the_moderators(self):
        menu = self.env.ref("cci_pressure.cci_pressure_dashboard_menu")
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.sudo(self.moderator)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.sudo(self.user_formation)._visible_menu_ids())
        for xmlid in ("cci_pressure_report_action", "res_partner_action_cci_pressure_levels",
                      "res_partner_action_cci_solicited_companies",
                      "cci_pressure_rule_action", "cci_mailing_category_action"):
            action = self.env.ref("cci_pressure." + xmlid)
            model = self.env[action.res_model].sudo(self.moderator)
            for view_type in ("tree", "form", "kanban", "graph", "pivot"):
                if view_type in action.view_mode:
                    model.fields_view_get(view_type=view_type)


class TestDemoCategories(PressureCase):
    def test_every_demo_mailing_has_a_category(self):
        """The demo's planning: each mailing, the year of history included, has its category
        (its weight in the quotas)."""
        atelier = self.env.ref("cci_marketing.mail_mass_mailing_demo_atelier",
                               raise_if_not_found=False)
        if not atelier:
            self.skipTest("no demo data")
        demo = self.env["mail.mass_mailing"].search([
            "|", ("create_uid.login", "in", ("formation", "international", "creation",
                                             "apprentissage", "appui")),
            ("id", "in", self.env["ir.model.data"].search([
                ("model", "=", "mail.mass_mailing"),
                ("module", "in", ("cci_marketing", "cci_pressure", "mass_mailing"))])
                .mapped("res_id"))])
        self.assertGreaterEqual(len(demo), 35)
        self.assertFalse(demo.filtered(lambda m: not m.cci_category_id).mapped("name"))
        # given in SQL to the approved ones: their approved content was stamped again (the
        # case puts the demo's approved mailings back to draft, their stamp stays)
        cyber = self.env.ref("cci_marketing.mail_mass_mailing_demo_cyber")
        for mailing in atelier | cyber:
            self.assertEqual(mailing.cci_approved_hash, mailing._cci_content_hash())
