"""Bad input to the contract of cci_marketing: refused in plain words, nothing written."""
from datetime import datetime, timedelta

from odoo import fields

from ..tools import parse_datetime
from .common import CciCase


def in_days(days):
    return fields.Datetime.to_string(datetime.utcnow() + timedelta(days=days))


class TestBadInput(CciCase):
    def draft(self, **vals):
        vals.setdefault("cci_requested_date", in_days(10))
        return self.create_mailing(self.contact_a | self.loner, user=self.user_formation,
                                   **vals)

    # ------------------------------------------------------------------

    def test_department_needs_a_name_and_a_code_of_its_own(self):
        Department = self.env["cci.department"].sudo(self.moderator)
        count = Department.with_context(active_test=False).search_count([])
        for vals in ({"name": "", "code": "T_X"}, {"name": "  ", "code": "T_X"},
                     {"name": False, "code": "T_X"}, {"name": "T X", "code": " "},
                     {"code": "T_X"}, {"name": "T X"}):
            with self.refused("department"):
                Department.create(vals)
        with self.refused("T_FORM", "T Formation"):
            Department.create({"name": "T Bis", "code": "T_FORM"})
        self.assertEqual(Department.with_context(active_test=False).search_count([]), count)
        with self.refused("name"):
            self.dep_formation.sudo(self.moderator).write({"name": "\t"})
        with self.refused("T International"):
            self.dep_formation.sudo(self.moderator).write({"code": "T_INTL"})
        self.assertEqual((self.dep_formation.name, self.dep_formation.code),
                         ("T Formation", "T_FORM"))
        # its own code again is no conflict
        self.dep_formation.write({"code": "T_FORM"})

    def test_one_date_parser(self):
        Partner = self.env["res.partner"]
        expected = datetime(2026, 6, 1, 10, 30)
        for value in ("2026-06-01 10:30:00", "2026-06-01 10:30", " 2026-06-01 10:30:00 ",
                      expected):
            self.assertEqual(parse_datetime(Partner, value, "x"), expected)
        self.assertEqual(parse_datetime(Partner, "2026-06-01", "x"), datetime(2026, 6, 1))
        self.assertEqual(parse_datetime(Partner, "2026-06-01", "x", end_of_day=True),
                         datetime(2026, 6, 1, 23, 59, 59))
        for value in (False, None, "", "  "):
            self.assertIs(parse_datetime(Partner, value, "x"), False)
        for value in ("31/12/2026", "2026-13-01", "2026-02-30", "2026-06-01T10:00:00",
                      "demain", 12345, 1.5, True, ["2026-06-01"]):
            with self.refused("YYYY-MM-DD"):
                parse_datetime(Partner, value, "x")
        for value in ("9999-12-31 00:00:00", "1900-01-01", "2101-01-01"):
            with self.refused("2000", "2100"):
                parse_datetime(Partner, value, "x")
        far = in_days(3 * 366)
        self.assertTrue(parse_datetime(Partner, far, "x"))
        with self.refused("2 years"):
            parse_datetime(Partner, far, "x", years_ahead=2)

    def test_decisions_refuse_dates_out_of_range_and_odd_notes(self):
        mailing = self.draft()
        mailing.action_cci_submit()
        as_moderator = mailing.sudo(self.moderator)
        before = (mailing.cci_moderation_state, mailing.state, mailing.schedule_date)
        with self.refused("9999"):
            as_moderator.action_cci_approve("9999-12-31 00:00:00")
        with self.refused("years ahead"):
            as_moderator.action_cci_approve(in_days(3 * 366))
        with self.refused("1900"):
            as_moderator.action_cci_approve("1900-01-01")
        with self.refused("note"):
            as_moderator.action_cci_approve(False, ["a note"])
        with self.refused("9999"):
            as_moderator.action_cci_postpone("9999-12-31 00:00:00", "Pas ce mois-ci")
        mailing.invalidate_cache()
        self.assertEqual((mailing.cci_moderation_state, mailing.state, mailing.schedule_date),
                         before)

    def test_methods_on_one_mailing_refuse_several(self):
        mailings = self.draft() | self.draft(name="Second")
        count = self.env["mail.mass_mailing"].sudo().search_count([])
        for records in (mailings, mailings.browse()):
            with self.refused("one mailing"):
                records.cci_check_overlaps()
            with self.refused("one mailing"):
                records.action_cci_create_followup("not_opened")
        for audience in (["opened"], {"opened": 1}, 1):
            with self.refused("not_opened"):
                mailings[0].action_cci_create_followup(audience)
        self.assertEqual(self.env["mail.mass_mailing"].sudo().search_count([]), count)

    def test_timeline_arguments(self):
        for kwargs in ({"kinds": [["mailing_sent"]]}, {"date_from": "9999-12-31 00:00:00"},
                       {"date_to": "1900-01-01"}, {"date_from": "31/12/2026"}):
            with self.refused():
                self.company.cci_timeline(**kwargs)

    def test_a_mailing_that_cannot_be_sent_is_refused_at_submit(self):
        Lists = self.env["mail.mass_mailing.list"]
        empty = Lists.create({"name": "T Empty list"})
        contact_model = self.env.ref("mass_mailing.model_mail_mass_mailing_contact")
        cases = [
            ({"mailing_domain": "[('no_such_field', '=', 1)]"}, "filter"),
            ({"mailing_domain": "[('id', 'in'"}, "filter"),
            ({"mailing_domain": "[('name', '!!', 'x')]"}, "filter"),
            ({"email_from": "not an address"}, "not an address"),
            ({"email_from": "Formation <formation@>"}, "sender"),
            ({"body_html": "<p><br></p>"}, "no content"),
            ({"body_html": False}, "no content"),
            ({"mailing_model_id": contact_model.id, "mailing_domain": "[]"}, "mailing lists"),
            ({"mailing_model_id": contact_model.id, "mailing_domain": "[]",
              "contact_list_ids": [(6, 0, empty.ids)]}, "no contacts"),
        ]
        for vals, words in cases:
            mailing = self.draft(**vals)
            with self.refused(words):
                mailing.action_cci_submit()
            self.assertEqual(mailing.cci_moderation_state, "draft")
        # what can be sent still can: a picture alone, a named sender, lists with contacts
        full = Lists.create({"name": "T Newsletter list"})
        self.env["mail.mass_mailing.contact"].create(
            {"name": "Louis", "email": "louis@example.com", "list_ids": [(6, 0, full.ids)]})
        for vals in ({"body_html": "<p><img src='/logo.png'/></p>"},
                     {"email_from": "CCI Formation <formation@cci.example.com>"},
                     {"mailing_model_id": contact_model.id, "mailing_domain": "[]",
                      "contact_list_ids": [(6, 0, full.ids)]}):
            mailing = self.draft(**vals)
            mailing.action_cci_submit()
            self.assertEqual(mailing.cci_moderation_state, "submitted")

    def test_dates_and_states_written_directly(self):
        mailing = self.draft()
        wished = mailing.cci_requested_date
        for value in ("31/12/2026", "2026-13-01", "9999-12-31 00:00:00", 12345, True):
            with self.refused("wished date"):
                mailing.write({"cci_requested_date": value})
            with self.refused("send date"):
                mailing.sudo().write({"schedule_date": value})
        self.assertEqual(mailing.cci_requested_date, wished)
        mailing.write({"cci_requested_date": "2026-06-01"})
        self.assertEqual(mailing.cci_requested_date, "2026-06-01 00:00:00")
        # the superuser may write the state (data, tests), not a state that does not exist
        for value in ("foo", "Approved", 1):
            with self.refused("not a moderation state"):
                mailing.sudo().write({"cci_moderation_state": value})
        self.assertEqual(mailing.cci_moderation_state, "draft")
