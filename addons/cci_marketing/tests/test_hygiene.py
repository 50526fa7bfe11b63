"""Shared hygiene: an address that bounced or opted out for one department is protected
from every department, and each held-back recipient leaves a mailing_excluded row."""
from .timeline_common import TimelineCase


class TestSharedHygiene(TimelineCase):
    def remaining(self, mailing, user=None):
        return set(mailing.sudo(user or self.user_formation).get_remaining_recipients())

    def excluded_rows(self, mailing):
        return self.Interaction.search([("mass_mailing_id", "=", mailing.id),
                                        ("kind", "=", "mailing_excluded")])

    def test_bounce_for_one_department_protects_from_all(self):
        international = self.create_mailing(self.contact_a, self.dep_international,
                                            name="Mission Québec")
        stat = self.send(international)
        self.env["mail.mail.statistics"].sudo().set_bounced(
            mail_mail_ids=[stat.mail_mail_id_int])
        self.assertEqual(self.contact_a.cci_email_health, "bounced")

        formation = self.create_mailing(self.contact_a | self.contact_b, self.dep_formation,
                                        name="Catalogue formations")
        self.assertEqual(self.remaining(formation), {self.contact_b.id})
        row = self.excluded_rows(formation)
        self.assertEqual(len(row), 1)
        self.assertEqual(row.partner_id, self.contact_a)
        self.assertEqual(row.commercial_partner_id, self.company)
        self.assertEqual(row.department_id, self.dep_formation)
        self.assertIn("bounced", row.name)
        self.assertFalse(row.is_solicitation)
        # asked again (the queue asks before sending, the sending asks again): one row
        self.remaining(formation)
        self.send(formation)
        self.assertEqual(len(self.excluded_rows(formation)), 1)
        self.assertEqual(formation.cci_excluded_count, 1)
        sent = self.rows(kind="mailing_sent", mass_mailing_id=formation.id)
        self.assertEqual(sent.mapped("partner_id"), self.contact_b)
        self.assertEqual(self.stats(formation).mapped("res_id"), [self.contact_b.id])
        # the contact's address bounced, not the company's: the company still gets mail
        to_company = self.create_mailing(self.company, self.dep_formation)
        self.assertEqual(self.remaining(to_company), {self.company.id})

    def test_unsubscribe_for_one_department_protects_from_all(self):
        formation = self.create_mailing(self.loner, self.dep_formation)
        self.send(formation)
        # the unsubscription link of the mailing, as the /unsubscribe route calls it
        formation.sudo().update_opt_out(self.loner.email, [self.loner.id], True)
        self.assertEqual(self.loner.cci_email_health, "opted_out")
        international = self.create_mailing(self.loner | self.contact_b,
                                            self.dep_international)
        self.assertEqual(self.remaining(international, self.user_international),
                         {self.contact_b.id})
        self.assertIn("opted out", self.excluded_rows(international).name)

    def test_opt_out_of_a_mailing_contact_protects_the_partner(self):
        Contact = self.env["mail.mass_mailing.contact"]
        newsletter = self.env["mail.mass_mailing.list"].create({"name": "Newsletter"})
        agenda = self.env["mail.mass_mailing.list"].create({"name": "Agenda"})
        Contact.create({"name": "Louis", "email": "louis@boulangerie-martin.example.com",
                        "list_ids": [(4, newsletter.id)], "opt_out": True})
        other = Contact.create({"name": "Louis M.", "list_ids": [(4, agenda.id)],
                                "email": "LOUIS@boulangerie-martin.example.com"})
        self.assertEqual(self.contact_b.cci_email_health, "opted_out")
        to_partners = self.create_mailing(self.contact_a | self.contact_b)
        self.assertEqual(self.remaining(to_partners), {self.contact_a.id})
        # the same address in another list, through the linked partner
        to_list = self.create_mailing(
            self.env["res.partner"],
            mailing_model_id=self.env.ref("mass_mailing.model_mail_mass_mailing_list").id,
            contact_list_ids=[(6, 0, agenda.ids)],
            mailing_domain=repr([("list_ids", "in", agenda.ids)]))
        self.assertEqual(self.remaining(to_list), set())
        row = self.excluded_rows(to_list)
        self.assertEqual(row.partner_id, self.contact_b)
        self.assertEqual(row.source_sub_id, other.id)

    def test_repeated_soft_bounces(self):
        self.loner.write({"message_bounce": 2})
        mailing = self.create_mailing(self.loner | self.contact_a)
        self.assertEqual(self.remaining(mailing), {self.loner.id, self.contact_a.id})
        self.loner.write({"message_bounce": 3})
        mailing = self.create_mailing(self.loner | self.contact_a)
        self.assertEqual(self.remaining(mailing), {self.contact_a.id})
        self.assertIn("bounced", self.excluded_rows(mailing).name)

    def test_sign_of_life_lifts_the_bounce(self):
        first = self.create_mailing(self.contact_a, self.dep_international)
        stat = self.send(first)
        Stats = self.env["mail.mail.statistics"].sudo()
        Stats.set_bounced(mail_mail_ids=[stat.mail_mail_id_int])
        self.assertEqual(self.contact_a.cci_email_health, "bounced")
        Stats.set_opened(mail_mail_ids=[stat.mail_mail_id_int])  # it was read after all
        self.assertEqual(self.contact_a.cci_email_health, "ok")
        second = self.create_mailing(self.contact_a)
        self.assertEqual(self.remaining(second), {self.contact_a.id})
        self.assertFalse(self.excluded_rows(second))

    def test_dormant_contacts_are_not_held_back(self):
        self.contact_a.sudo().write({"cci_email_health": "dormant"})
        mailing = self.create_mailing(self.contact_a)
        self.assertEqual(self.remaining(mailing), {self.contact_a.id})

    def _list_mailing(self, mailing_list, department):
        return self.create_mailing(
            self.env["res.partner"], department,
            mailing_model_id=self.env.ref("mass_mailing.model_mail_mass_mailing_list").id,
            contact_list_ids=[(6, 0, mailing_list.ids)],
            mailing_domain=repr([("list_ids", "in", mailing_list.ids)]))

    def test_bounce_of_an_address_known_to_no_contact(self):
        """A list subscriber no partner has the address of: its bounce, recorded for one
        department, protects it from the others, until it shows a sign of life."""
        Contact = self.env["mail.mass_mailing.contact"]
        salon = self.env["mail.mass_mailing.list"].create({"name": "Salon export"})
        agenda = self.env["mail.mass_mailing.list"].create({"name": "Agenda"})
        Contact.create({"name": "Inconnu", "email": "inconnu@ailleurs.example.com",
                        "list_ids": [(4, salon.id)]})
        same = Contact.create({"name": "Inconnu", "email": "Inconnu@ailleurs.example.com",
                               "list_ids": [(4, agenda.id)]})
        fine = Contact.create({"name": "Lectrice", "email": "lectrice@ailleurs.example.com",
                               "list_ids": [(4, agenda.id)]})
        stat = self.send(self._list_mailing(salon, self.dep_international))
        Stats = self.env["mail.mail.statistics"].sudo()
        Stats.set_bounced(mail_mail_ids=[stat.mail_mail_id_int])

        formation = self._list_mailing(agenda, self.dep_formation)
        self.assertEqual(self.remaining(formation), {fine.id})
        row = self.excluded_rows(formation)
        self.assertEqual(row.source_sub_id, same.id)
        self.assertFalse(row.partner_id)
        self.assertEqual(row.email, "inconnu@ailleurs.example.com")
        self.assertIn("bounced", row.name)

        Stats.set_opened(mail_mail_ids=[stat.mail_mail_id_int])  # it was read after all
        later = self._list_mailing(agenda, self.dep_formation)
        self.assertEqual(self.remaining(later), {fine.id, same.id})

    def test_soft_bounces_of_an_address_known_to_no_contact(self):
        Contact = self.env["mail.mass_mailing.contact"]
        agenda = self.env["mail.mass_mailing.list"].create({"name": "Agenda"})
        flaky = Contact.create({"name": "Flaky", "email": "flaky@ailleurs.example.com",
                                "list_ids": [(4, agenda.id)], "message_bounce": 2})
        mailing = self._list_mailing(agenda, self.dep_formation)
        self.assertEqual(self.remaining(mailing), {flaky.id})
        flaky.message_bounce = 3
        mailing = self._list_mailing(agenda, self.dep_formation)
        self.assertEqual(self.remaining(mailing), set())
        self.assertIn("bounced", self.excluded_rows(mailing).name)
