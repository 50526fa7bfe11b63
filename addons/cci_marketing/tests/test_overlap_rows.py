from odoo.exceptions import UserError

from ..tools import format_moment
from .test_moderation import ModerationCase, in_days


class TestOverlapRows(ModerationCase):
    """Each overlap row opens the other mailing and names the contacts both reach."""

    def test_an_overlap_row_links_the_other_mailing_and_names_the_shared_contacts(self):
        first = self.submitted(partners=self.contact_a | self.contact_b | self.loner,
                               cci_requested_date=in_days(10))
        other = self.draft(partners=self.contact_a | self.contact_b,
                           department=self.dep_international, user=self.user_international,
                           cci_requested_date=in_days(11), name="Mission export")
        other.action_cci_submit()
        overlaps = first.sudo(self.moderator).cci_check_overlaps()
        self.assertEqual(overlaps[0]["shared_partner_ids"],
                         sorted((self.contact_a | self.contact_b).ids))
        self.assertEqual(overlaps[0]["shared_emails"], [])
        html = first.sudo(self.moderator).cci_overlap_html
        self.assertIn("#id=%d&amp;model=mail.mass_mailing&amp;view_type=form" % other.id, html)
        self.assertIn("Jeanne Martin, Louis Martin", html)
        self.assertNotIn("Sophie Seule", html)

    def test_many_shared_contacts_are_counted_after_the_first_names(self):
        overlap = {"shared_partner_ids": (self.contact_a | self.contact_b | self.loner).ids,
                   "shared_emails": ["x@example.com"]}
        self.assertEqual(self.Mailing._cci_shared_names(overlap, most=2),
                         "Jeanne Martin, Louis Martin and 2 more")

    def test_a_blank_subject_is_refused_at_submit(self):
        mailing = self.draft(name="   ")
        with self.assertRaises(UserError) as err:
            mailing.action_cci_submit()
        self.assertIn("subject", err.exception.name)
        self.assertEqual(mailing.cci_moderation_state, "draft")

    def test_a_day_picked_alone_means_its_morning_in_the_user_zone(self):
        mailing = self.draft().sudo(self.user_formation).with_context(tz="Europe/Paris")
        mailing.cci_requested_date = "2027-03-09 23:00:00"  # 10 March, 00:00 in Paris
        mailing._onchange_cci_requested_date_morning()
        self.assertEqual(mailing.cci_requested_date, "2027-03-10 08:00:00")
        mailing.cci_requested_date = "2027-03-10 13:30:00"  # a time was chosen: kept
        mailing._onchange_cci_requested_date_morning()
        self.assertEqual(mailing.cci_requested_date, "2027-03-10 13:30:00")
        wizard = self.env["cci.moderation.wizard"].sudo(self.moderator).with_context(
            tz="Europe/Paris").new({"schedule_date": "2027-07-01 22:00:00"})
        wizard._onchange_schedule_date_morning()
        self.assertEqual(wizard.schedule_date, "2027-07-02 07:00:00")

    def test_a_reader_without_time_zone_reads_the_chambers_time(self):
        self.env.user.company_id.partner_id.tz = "Europe/Paris"
        formation = self.user_formation
        formation.tz = False
        mailing = self.draft().sudo(formation).with_context(tz=False)
        self.assertEqual(mailing.env.user.tz, False)
        text = format_moment(mailing, "2027-07-01 22:00:00")
        self.assertIn("00:00", text)  # 2 July in Paris, summer time
        self.assertIn("(Europe/Paris)", text)
        mailing.cci_requested_date = "2027-03-09 23:00:00"  # 10 March, 00:00 in Paris
        mailing._onchange_cci_requested_date_morning()
        self.assertEqual(mailing.cci_requested_date, "2027-03-10 08:00:00")
        formation.tz = "America/Montreal"  # the reader's own zone comes first
        self.assertIn("(America/Montreal)", format_moment(mailing, "2027-07-01 22:00:00"))
