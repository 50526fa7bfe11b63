"""Helpers of the timeline tests: send a mailing for real (Odoo's test mode skips SMTP
only), react to it through Odoo's own tracking methods, write crafted history."""
from datetime import datetime, timedelta

from odoo import fields
from odoo.addons.cci_marketing.odoo11 import SOURCE_TRACE

from .common import CciCase

NOW = datetime(2026, 6, 15, 12, 0, 0)


def ago(days=0, seconds=0, now=NOW):
    return fields.Datetime.to_string(now - timedelta(days=days, seconds=seconds))


class TimelineCase(CciCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Interaction = cls.env["cci.interaction"]
        cls._fact_seq = 0

    # -- mailings ---------------------------------------------------------

    @classmethod
    def approve(cls, mailing):
        """Moderation (another part of the addon) lets only approved mailings go."""
        if "cci_moderation_state" in mailing._fields:
            mailing.sudo().write({"cci_moderation_state": "approved"})

    @classmethod
    def send(cls, mailing):
        """Send as the queue would: composer, then the outgoing mail queue."""
        cls.approve(mailing)
        mailing.sudo().send_mail()
        mails = cls.env["mail.mail"].sudo().search([("mailing_id", "=", mailing.id)])
        mails.send()
        return cls.stats(mailing)

    @classmethod
    def stats(cls, mailing):
        return cls.env["mail.mail.statistics"].sudo().search(
            [("mass_mailing_id", "=", mailing.id)])

    @classmethod
    def stat_of(cls, mailing, record):
        return cls.stats(mailing).filtered(
            lambda s: s.model == record._name and s.res_id == record.id)

    def click(self, stat):
        """A click through the tracked link, as the /r/<code>/m/<stat_id> route does."""
        link = self.env["link.tracker"].sudo().search(
            [("mass_mailing_id", "=", stat.mass_mailing_id.id)], limit=1)
        self.assertTrue(link, "the mailing's links are tracked")
        self.env["link.tracker.click"].sudo().add_click(
            link.code, "127.0.0.1", False, stat_id=stat.id)

    # -- ledger -----------------------------------------------------------

    def rows(self, partner=None, **filters):
        domain = [(k, "=", v) for k, v in filters.items()]
        if partner is not None:
            domain.append(("partner_id", "=", partner.id))
        return self.Interaction.search(domain)

    @classmethod
    def fact(cls, partner, kind, date, **vals):
        """Record one crafted fact through the ledger's write API."""
        cls._fact_seq += 1
        values = {
            "date": date,
            "kind": kind,
            "partner_id": partner.id if partner else None,
            "name": vals.pop("name", kind),
            "is_solicitation": kind == "mailing_sent",
            "source_model": "test.fact",
            "source_id": cls._fact_seq,
        }
        values.update(vals)
        return cls.env["cci.interaction"]._record([values])

    @classmethod
    def mail_fact(cls, partner, mail_no, kind, date, **vals):
        """A mailing fact: all kinds of one mail (mail_no, per partner) share its
        statistics id, as Odoo's tracking does."""
        values = {
            "date": date,
            "kind": kind,
            "partner_id": partner.id,
            "email": partner.email,
            "name": "Mailing %d" % mail_no,
            "is_solicitation": kind == "mailing_sent",
            "source_model": SOURCE_TRACE,
            "source_id": 100000000 + partner.id * 1000 + mail_no,
        }
        values.update(vals)
        return cls.env["cci.interaction"]._record([values])
