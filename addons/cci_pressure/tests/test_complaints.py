from unittest.mock import patch

from .common import PressureCase

ARF = """From: feedback@fbl.mailbox.example.net
To: bounce@cci.example.com
Subject: FW: %(subject)s
Message-ID: <fbl-%(n)s@fbl.mailbox.example.net>
Date: Mon, 30 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report;
    boundary="arf_boundary"

--arf_boundary
Content-Type: text/plain; charset="US-ASCII"

This is an email abuse report for an email message received from IP 192.0.2.1.

--arf_boundary
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1

--arf_boundary
Content-Type: text/rfc822-headers

%(headers)s
--arf_boundary--
"""


class TestSpamComplaints(PressureCase):
    """A feedback-loop report (ARF) sent to the bounce address: recognised by the mail
    gateway, the address opted out everywhere, a complaint row on the recipient's timeline,
    the mailing's complaint rate, and the moderator warned."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("mail.bounce.alias", "bounce")
        params.set_param("mail.catchall.domain", "cci.example.com")

    def send(self, partners, name="Lettre"):
        mailing = self.planned(partners, False, category=self.newsletter, name=name)
        messages = []

        def send_email(server, message, *args, **kwargs):
            messages.append(message)
            return message["Message-Id"]

        with patch.object(type(self.env["ir.mail_server"]), "send_email", send_email):
            mailing.send_mail()
        return mailing, {m["To"]: m for m in messages}

    def report(self, original, n=1, keep=("Message-Id", "List-Unsubscribe", "Subject", "To")):
        headers = "\n".join("%s: %s" % (name, original[name]) for name in keep
                            if original[name])
        return ARF % {"subject": original["Subject"], "n": n, "headers": headers}

    def test_a_complaint_opts_out_and_lands_on_the_timeline(self):
        mailing, messages = self.send(self.contact_a | self.loner)
        original = [m for to, m in messages.items() if "sophie" in to][0]
        self.env["mail.thread"].message_process(False, self.report(original))
        self.assertTrue(self.loner.opt_out)
        self.assertFalse(self.contact_a.opt_out)
        [row] = self.loner.cci_timeline(kinds=["mailing_complained"])
        self.assertIn("Lettre", row["name"])
        self.assertFalse(self.env["cci.interaction"].browse(row["id"]).is_solicitation)
        mailing.invalidate_cache()
        self.assertEqual(mailing.cci_complaint_count, 1)
        self.assertEqual(mailing.cci_complaint_rate, 50.0)
        action = mailing.sudo(self.moderator).action_cci_view_complaints()
        self.assertEqual(self.env["cci.interaction"].search(action["domain"]).ids, [row["id"]])
        self.assertIn("kanban", action["view_mode"], "cards on a phone")
        # the same report twice is one complaint
        self.env["mail.thread"].message_process(False, self.report(original, n=2))
        self.assertEqual(len(self.loner.cci_timeline(kinds=["mailing_complained"])), 1)

    def test_found_by_message_id_when_the_link_is_missing(self):
        _mailing, messages = self.send(self.contact_a)
        [original] = messages.values()
        self.env["mail.thread"].message_process(
            False, self.report(original, keep=("Message-Id", "Subject")))
        self.assertTrue(self.contact_a.opt_out)
        self.assertEqual(len(self.contact_a.cci_timeline(kinds=["mailing_complained"])), 1)

    def test_a_forged_link_opts_nobody_out(self):
        _mailing, messages = self.send(self.contact_a)
        [original] = messages.values()
        forged = original["List-Unsubscribe"].replace(
            original["List-Unsubscribe"].split("/")[6][:8], "00000000")
        del original["List-Unsubscribe"]
        original["List-Unsubscribe"] = forged
        del original["Message-Id"]
        original["Message-Id"] = "<unknown@example.com>"
        # not ours: Odoo drops it as any other report
        self.assertFalse(self.env["mail.thread"].message_process(False, self.report(original)))
        self.assertFalse(self.contact_a.opt_out)

    def test_the_moderator_is_warned_above_the_providers_limit(self):
        partners = self.contact_a | self.contact_b | self.loner
        mailing, messages = self.send(partners)
        self.assertFalse(mailing.cci_complaint_warning)
        original = list(messages.values())[0]
        self.env["mail.thread"].message_process(False, self.report(original))
        draft = self.create_mailing(partners, self.dep_formation,
                                    cci_category_id=self.newsletter.id)
        self.assertTrue(draft.sudo(self.moderator).cci_complaint_warning)
        self.assertGreater(draft.cci_department_complaint_rate, 0.3)
        other = self.create_mailing(partners, self.dep_international,
                                    cci_category_id=self.newsletter.id)
        self.assertFalse(other.cci_complaint_warning)
