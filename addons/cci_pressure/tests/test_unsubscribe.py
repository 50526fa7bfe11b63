from unittest.mock import patch

from odoo.addons.cci_pressure import unsubscribe as links

from .common import PressureCase


class TestOneClickUnsubscribe(PressureCase):
    """Every mail of a mailing carries List-Unsubscribe (HTTPS and mailto) and
    List-Unsubscribe-Post; the signed link unsubscribes only the address it was made for."""

    def sent_messages(self, send):
        messages = []

        def send_email(server, message, *args, **kwargs):
            messages.append(message)
            return message["Message-Id"]

        with patch.object(type(self.env["ir.mail_server"]), "send_email", send_email):
            send()
        return messages

    def test_each_mail_carries_its_own_link(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("web.base.url", "https://cci.example.com")
        params.set_param("mail.bounce.alias", "bounce")
        params.set_param("mail.catchall.domain", "cci.example.com")
        mailing = self.planned(self.contact_a | self.loner, False, category=self.newsletter)
        messages = self.sent_messages(mailing.send_mail)
        self.assertEqual(len(messages), 2)
        links_by_address = {}
        for message in messages:
            self.assertEqual(message["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
            https, mailto = [part.strip(" <>") for part in message["List-Unsubscribe"].split(",")]
            self.assertTrue(https.startswith("https://cci.example.com/cci/unsubscribe/%d/"
                                             % mailing.id))
            self.assertTrue(mailto.startswith("mailto:bounce@cci.example.com"))
            links_by_address[message["To"]] = https
        self.assertEqual(len(set(links_by_address.values())), 2)
        # the link of one address names it, signed; the other's signature does not fit it
        Unsubscribe = self.env["cci.unsubscribe"]
        link = [url for to, url in links_by_address.items() if "sophie" in to][0]
        _mailing_id, token, signature = link.rsplit("/", 3)[1:]
        self.assertEqual(Unsubscribe._verify(mailing.id, token, signature),
                         (mailing, "sophie@example.com"))
        other = links.address_token("jeanne@boulangerie-martin.example.com")
        self.assertEqual(Unsubscribe._verify(mailing.id, other, signature)[0], False)
        self.assertEqual(Unsubscribe._verify(mailing.id + 1, token, signature)[0], False)
        self.assertEqual(Unsubscribe._verify(mailing.id, "%%%", signature), (False, None))

    def test_a_test_send_carries_a_dead_link(self):
        mailing = self.create_mailing(self.contact_a, cci_category_id=self.newsletter.id)
        wizard = self.env["mail.mass_mailing.test"].create(
            {"mass_mailing_id": mailing.id, "email_to": "tester@chamber.example.com"})
        messages = self.sent_messages(wizard.send_mail_test)
        self.assertEqual(len(messages), 1)
        url = messages[0]["List-Unsubscribe"].split(",")[0].strip(" <>")
        self.assertTrue(url.endswith("/" + links.TEST_SIGNATURE))
        _mailing_id, token, signature = url.rsplit("/", 3)[1:]
        self.assertEqual(self.env["cci.unsubscribe"]._verify(mailing.id, token, signature)[0],
                         False)

    def test_unsubscribing_opts_out_everywhere_and_tells_the_timeline(self):
        mailing = self.planned(self.loner, False, category=self.newsletter, name="Lettre")
        self.env["cci.unsubscribe"]._unsubscribe(mailing, "sophie@example.com")
        self.assertTrue(self.loner.opt_out)
        self.assertFalse(self.contact_a.opt_out)
        rows = self.loner.cci_timeline(kinds=["unsubscribed"])
        self.assertEqual(len(rows), 1)
        self.assertIn("Lettre", rows[0]["name"])
        # the same link twice is one fact
        self.env["cci.unsubscribe"]._unsubscribe(mailing, "sophie@example.com")
        self.assertEqual(len(self.loner.cci_timeline(kinds=["unsubscribed"])), 1)
        # every department's next mailing leaves the address out
        other = self.planned(self.loner | self.contact_a, False, category=self.newsletter,
                             department=self.dep_international)
        other.send_mail()
        self.assertEqual(self.env["mail.mail.statistics"].search(
            [("mass_mailing_id", "=", other.id)]).mapped("res_id"), [self.contact_a.id])
