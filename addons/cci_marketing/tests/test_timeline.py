"""res.partner.cci_timeline: newest first, a company includes its contacts, paging,
filters, plain XML-RPC-safe values, clear errors on bad input."""
from odoo.exceptions import AccessError, UserError

from .timeline_common import TimelineCase

PLAIN = (int, float, str, bool, list, dict)


class TestTimeline(TimelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        f, i = cls.dep_formation.id, cls.dep_international.id
        cls.fact(cls.contact_a, "mailing_sent", "2026-01-10 09:00:00", department_id=f,
                 name="Newsletter janvier")
        cls.fact(cls.contact_a, "mailing_opened", "2026-01-10 11:00:00", department_id=f)
        cls.fact(cls.contact_b, "event_registered", "2026-02-03 08:30:00", department_id=i,
                 name="Salon export")
        cls.fact(cls.contact_a, "meeting", "2026-03-01 14:00:00", department_id=i)
        cls.fact(cls.company, "lead", "2026-03-15 10:00:00")
        cls.fact(cls.loner, "survey_answered", "2026-03-20 10:00:00", department_id=f)

    def test_contact_timeline_newest_first(self):
        rows = self.contact_a.sudo(self.employee).cci_timeline()
        self.assertEqual([r["kind"] for r in rows],
                         ["meeting", "mailing_opened", "mailing_sent"])
        first = rows[0]
        for key in ("id", "date", "kind", "name", "department", "partner_id", "res_model",
                    "res_id", "kind_label", "department_id", "commercial_partner_id"):
            self.assertIn(key, first)
        self.assertEqual(first["date"], "2026-03-01 14:00:00")
        self.assertEqual(first["department"], "T International")
        self.assertEqual(first["partner_id"], self.contact_a.id)
        self.assertEqual(first["commercial_partner_id"], self.company.id)
        self.assertEqual(first["kind_label"], "Meeting")

    def test_first_call_with_cold_caches(self):
        # the labels of the kinds are translated through a query of their own, which must
        # not take the place of the page's rows (it did, on the first call of a server)
        self.env.registry.clear_caches()
        rows = self.company.sudo(self.employee).with_context(lang="en_US").cci_timeline()
        self.assertEqual(len(rows), 5)

    def test_values_are_xmlrpc_safe(self):
        for row in self.company.sudo(self.employee).cci_timeline():
            for key, value in row.items():
                self.assertIsInstance(value, PLAIN, "%s=%r cannot go over XML-RPC"
                                      % (key, value))
        row = self.company.cci_timeline(kinds=["lead"])[0]
        self.assertIs(row["department"], False)
        self.assertIs(row["department_id"], False)

    def test_company_includes_its_contacts(self):
        rows = self.company.sudo(self.employee).cci_timeline()
        self.assertEqual([r["kind"] for r in rows],
                         ["lead", "meeting", "event_registered", "mailing_opened",
                          "mailing_sent"])
        self.assertEqual(self.company.cci_interaction_count, 5)
        self.assertEqual(self.contact_b.cci_interaction_count, 1)
        self.assertNotIn("survey_answered", [r["kind"] for r in rows])
        self.assertEqual(len(self.company.cci_recent_interaction_ids), 5)
        # several partners at once
        both = (self.contact_b | self.loner).cci_timeline()
        self.assertEqual([r["kind"] for r in both], ["survey_answered", "event_registered"])

    def test_paging(self):
        page1 = self.company.cci_timeline(limit=2)
        page2 = self.company.cci_timeline(limit=2, offset=2)
        page3 = self.company.cci_timeline(limit=2, offset=4)
        self.assertEqual([len(page1), len(page2), len(page3)], [2, 2, 1])
        everything = self.company.cci_timeline()
        self.assertEqual([r["id"] for r in page1 + page2 + page3],
                         [r["id"] for r in everything])
        self.assertEqual(self.company.cci_timeline(offset=50), [])

    def test_filters(self):
        company = self.company.sudo(self.employee)
        self.assertEqual([r["kind"] for r in company.cci_timeline(kinds=["meeting", "lead"])],
                         ["lead", "meeting"])
        self.assertEqual([r["kind"] for r in company.cci_timeline(kinds="event_registered")],
                         ["event_registered"])
        by_dep = company.cci_timeline(department_ids=[self.dep_international.id])
        self.assertEqual([r["kind"] for r in by_dep], ["meeting", "event_registered"])
        self.assertEqual(len(company.cci_timeline(department_ids=self.dep_formation.id)), 2)
        # a period: whole days, both ends included
        period = company.cci_timeline(date_from="2026-02-03", date_to="2026-03-01")
        self.assertEqual([r["kind"] for r in period], ["meeting", "event_registered"])
        moment = company.cci_timeline(date_from="2026-01-10 10:00:00",
                                      date_to="2026-01-10 11:00:00")
        self.assertEqual([r["kind"] for r in moment], ["mailing_opened"])
        combined = company.cci_timeline(kinds=["mailing_sent", "meeting"],
                                        department_ids=[self.dep_formation.id],
                                        date_from="2026-01-01")
        self.assertEqual([r["kind"] for r in combined], ["mailing_sent"])

    def test_bad_input_is_refused_clearly(self):
        partner = self.company.sudo(self.employee)
        cases = [
            ({"kinds": ["mailing_sent", "phone_call"]}, "phone_call"),
            ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "start date"),
            ({"limit": -1}, "between 1 and"),
            ({"limit": 0}, "between 1 and"),
            ({"limit": 5000}, "between 1 and"),
            ({"limit": "10"}, "between 1 and"),
            ({"offset": -3}, "offset"),
            ({"date_from": "01/03/2026"}, "01/03/2026"),
            ({"date_to": "2026-02-30"}, "2026-02-30"),
            ({"date_from": 20260101}, "20260101"),
            ({"department_ids": ["Formation"]}, "ids"),
            ({"kinds": 42}, "list"),
        ]
        for kwargs, words in cases:
            with self.assertRaises(UserError, msg=repr(kwargs)) as err:
                partner.cci_timeline(**kwargs)
            self.assertIn(words, err.exception.name, repr(kwargs))

    def test_action_opens_the_filtered_timeline(self):
        action = self.company.sudo(self.employee).action_cci_timeline()
        self.assertEqual(action["res_model"], "cci.interaction")
        rows = self.env["cci.interaction"].search(action["domain"])
        self.assertEqual(len(rows), 5)
        row = rows.filtered(lambda r: r.kind == "lead")
        with self.assertRaises(UserError):  # a crafted fact has no document
            row.action_open_document()

    def test_portal_user_cannot_read_a_timeline(self):
        portal = self.env["res.users"].create({
            "name": "Portal", "login": "t_portal_tl", "email": "t_portal_tl@example.com",
            "partner_id": self.loner.id,
            "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])]})
        with self.assertRaises(AccessError):
            self.loner.sudo(portal).cci_timeline()
