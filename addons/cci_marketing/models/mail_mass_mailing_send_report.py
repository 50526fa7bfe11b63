"""After the sending, the requester is told in the mailing's chatter how many recipients
received it and how many were held back, by reason; a mailing whose every recipient was
held back says so, instead of looking like an ordinary success."""
from psycopg2 import sql

from odoo import _, api, fields, models
from odoo.tools import html_escape

from ..odoo11 import MAILING_MODEL, TRACE_MAILING_COLUMN, TRACE_TABLE

SENT_COUNT = sql.SQL("SELECT count(*) FROM {table} WHERE {column} = %(mailing)s").format(
    table=sql.Identifier(TRACE_TABLE), column=sql.Identifier(TRACE_MAILING_COLUMN))
# The held back rows of a mailing, by reason (their name is "<mailing>: <reason>").
HELD_BACK_BY_REASON = """
    SELECT substr(name, %(prefix)s), count(*) FROM cci_interaction
     WHERE mass_mailing_id = %(mailing)s AND kind = 'mailing_excluded'
     GROUP BY 1 ORDER BY 2 DESC, 1
"""


class MailMassMailing(models.Model):
    _inherit = MAILING_MODEL

    cci_all_held_back = fields.Boolean(
        string="Every recipient held back", compute="_compute_cci_all_held_back",
        help="Sent, but nobody received it: every recipient was held back (see Held back).")

    def _compute_cci_all_held_back(self):
        for mailing in self:
            mailing.cci_all_held_back = bool(
                isinstance(mailing.id, int) and mailing.state == "done"
                and mailing.cci_excluded_count and not mailing._cci_sent_count())

    def _cci_sent_count(self):
        self.env.cr.execute(SENT_COUNT, {"mailing": self.id})
        return self.env.cr.fetchone()[0]

    def _cci_held_back_counts(self):
        """[(reason, recipients)] of this mailing's held back rows, the largest first."""
        self.env.cr.execute(HELD_BACK_BY_REASON, {"mailing": self.id,
                                                  "prefix": len(self.name or "") + 3})
        return self.env.cr.fetchall()

    def _cci_deliver(self, res_ids=None):
        delivered = super()._cci_deliver(res_ids)
        if delivered or not self._cci_sent_count():
            self._cci_report_sending()
        return delivered

    def _cci_report_sending(self):
        """Tell the requester what the sending did, if anything was held back."""
        self.ensure_one()
        mailing = self.sudo().with_context(lang=self._cci_chamber_lang())
        counts = mailing._cci_held_back_counts()
        if not counts:
            return
        mailing._cci_post(mailing._cci_send_report_body(counts),
                          (mailing.cci_requester_id or mailing.create_uid).partner_id)

    def _cci_send_report_body(self, counts):
        held = sum(n for _reason, n in counts)
        sent = self._cci_sent_count()
        if sent:
            head = _("Recipients who received it: %(sent)d; held back: %(held)d, by "
                     "reason:") % {"sent": sent, "held": held}
        else:
            head = _("Nothing was sent: every recipient (%d) was held back, by reason:") % held
        items = "".join("<li>%s</li>" % html_escape(
            _("%(reason)s: %(count)d") % {"reason": reason, "count": n})
            for reason, n in counts)
        return "<p>%s</p><ul>%s</ul>" % (html_escape(head), items)

    @api.model
    def _cci_chamber_lang(self):
        """The language the chamber writes its reasons and messages in, whoever runs the
        job: its company's, else French when installed, else the user's."""
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        lang = self.env.user.sudo().company_id.partner_id.lang
        if lang in installed:
            return lang
        if "fr_FR" in installed:
            return "fr_FR"
        return self.env.user.lang or "en_US"

    def get_remaining_recipients(self):
        # the reasons written on the timeline of those held back read in the chamber's
        # language, not in that of the user whose job sends
        lang = self._cci_chamber_lang()
        return super(MailMassMailing, self.with_context(lang=lang)).get_remaining_recipients()
