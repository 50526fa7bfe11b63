from psycopg2 import sql

from odoo import SUPERUSER_ID, _, api, models
from odoo.exceptions import AccessError

from ..odoo11 import (
    MAILING_MODEL,
    MAILING_TABLE,
    RECIPIENT_COLUMNS,
    SOURCE_TRACE,
    TRACE_BOUNCED,
    TRACE_CLICKED,
    TRACE_EXCEPTION,
    TRACE_MAILING_COLUMN,
    TRACE_MODEL,
    TRACE_OPENED,
    TRACE_REPLIED,
    TRACE_SENT,
    TRACE_TABLE,
)
from ..sending import in_sending
from .cci_interaction import email_sql

# tracking timestamp -> ledger kind
STAT_KINDS = {
    TRACE_SENT: "mailing_sent",
    TRACE_OPENED: "mailing_opened",
    TRACE_CLICKED: "mailing_clicked",
    TRACE_REPLIED: "mailing_replied",
    TRACE_BOUNCED: "mailing_bounced",
}
# The mail of a mailing exists (made by its sending, not failed at birth): from that moment
# it counts as a solicitation, dated when it leaves once it does (see _cci_capture).
MADE = "made"

# The row written when the mail was made takes the moment it actually left.
DATE_SENT_ROWS = """
    UPDATE cci_interaction i SET date = {sent}
      FROM {trace} st
     WHERE st.id IN %(ids)s AND {sent} IS NOT NULL
       AND i.kind = 'mailing_sent' AND i.source_model = %(source)s
       AND i.source_id = st.id AND i.source_sub_id = 0 AND i.date <> {sent}
"""
# A mail that never left is no solicitation: its row goes.
FORGET_UNSENT = """
    DELETE FROM cci_interaction i
     USING {trace} st
     WHERE st.id IN %(ids)s AND {sent} IS NULL
       AND i.kind = 'mailing_sent' AND i.source_model = %(source)s
       AND i.source_id = st.id AND i.source_sub_id = 0
    RETURNING i.partner_id, i.commercial_partner_id
"""


class MailMailStatistics(models.Model):
    """Capture point of mailing facts: each tracking timestamp Odoo sets becomes a row.

    The ledger trusts only what the system itself writes here: the mailing's sending, the
    tracking pixel and link routes (which run as the superuser) and the mail gateway
    (fetchmail, or the mailgate script as the administrator). Odoo 11 lets every employee
    create and write these records; a write from anyone else is refused, so that nobody
    can forge a solicitation, an open or a bounce on the shared timeline.
    """

    _inherit = TRACE_MODEL

    @api.model
    def create(self, vals):
        self._cci_check_system_write()
        stat = super().create(vals)
        kinds = [col for col in STAT_KINDS if vals.get(col)]
        if vals.get(TRACE_MAILING_COLUMN) and not vals.get(TRACE_EXCEPTION):
            kinds.append(MADE)
        if kinds:
            stat._cci_capture("st.id IN %(ids)s", {"ids": tuple(stat.ids)}, columns=kinds)
        return stat

    @api.multi
    def write(self, vals):
        self._cci_check_system_write()
        res = super().write(vals)
        kinds = [col for col in STAT_KINDS if vals.get(col)]
        if kinds and self.ids:
            self._cci_capture("st.id IN %(ids)s", {"ids": tuple(self.ids)}, columns=kinds)
        if vals.get(TRACE_SENT) and self.ids:
            self._cci_date_sent_rows()
        elif vals.get(TRACE_EXCEPTION) and self.ids:
            self._cci_forget_unsent()
        return res

    @api.multi
    def unlink(self):
        self._cci_check_system_write()
        self._cci_forget_unsent()
        return super().unlink()

    def _cci_check_system_write(self):
        if self.env.uid != SUPERUSER_ID and not in_sending(self.env):
            raise AccessError(_("The tracking of mailings (sent, opened, clicked, answered, "
                                "bounced) is written by the system only: it cannot be created "
                                "or changed by hand."))

    def _cci_date_sent_rows(self):
        """The row written when the mail was made takes the moment it actually left."""
        self.env.cr.execute(
            sql.SQL(DATE_SENT_ROWS).format(trace=sql.Identifier(TRACE_TABLE),
                                           sent=sql.Identifier("st", TRACE_SENT)),
            {"ids": tuple(self.ids), "source": SOURCE_TRACE},
        )

    def _cci_forget_unsent(self):
        """A mail that never left (failed, cancelled, taken back) is no solicitation."""
        if not self.ids:
            return
        self.env.cr.execute(
            sql.SQL(FORGET_UNSENT).format(trace=sql.Identifier(TRACE_TABLE),
                                          sent=sql.Identifier("st", TRACE_SENT)),
            {"ids": tuple(self.ids), "source": SOURCE_TRACE},
        )
        partner_ids = {p for row in self.env.cr.fetchall() for p in row if p}
        if partner_ids:
            self.env["res.partner"]._cci_interactions_changed(sorted(partner_ids))

    @api.model
    def _cci_recipient_sql(self):
        """(joins, partner expression, email expression) over the recipient models."""
        joins, partners, emails = [], [], []
        for n, (model, (table, partner_col, email_col)) in enumerate(
                sorted(RECIPIENT_COLUMNS.items())):
            alias = "r%d" % n
            joins.append("LEFT JOIN %s %s ON st.model = '%s' AND %s.id = st.res_id"
                         % (table, alias, model, alias))
            if partner_col:
                partners.append("%s.%s" % (alias, partner_col))
            emails.append("%s.%s" % (alias, email_col))
        return ("\n".join(joins), "COALESCE(%s)" % ", ".join(partners),
                email_sql("COALESCE(%s)" % ", ".join(emails)))

    @api.model
    def _cci_capture(self, where, params=None, columns=None):
        joins, partner, email = self._cci_recipient_sql()
        selects = []
        for column in columns or list(STAT_KINDS):
            if column == MADE:
                # create_date has microseconds, the checks compare whole seconds: a mail
                # made in the same second as a check must count in it
                kind, condition = "mailing_sent", "st.%s IS NULL" % TRACE_EXCEPTION
                date = "date_trunc('second', COALESCE(st.%s, st.create_date))" % TRACE_SENT
            else:
                kind, date = STAT_KINDS[column], "st.%s" % column
                condition = "st.%s IS NOT NULL" % column
            selects.append(
                """
                SELECT {date}, '{kind}', {partner}, {email}, mailing.cci_department_id,
                       mailing.create_uid, source.name, %(cci_mailing_model)s, mailing.id,
                       mailing.id, {solicitation}, %(cci_trace_source)s, st.id, 0
                  FROM {trace} st
                  JOIN {mailing} mailing ON mailing.id = st.{mailing_column}
                  JOIN utm_source source ON source.id = mailing.source_id
                  {joins}
                 WHERE {condition} AND {where}
                """.format(
                    date=date, kind=kind, partner=partner, email=email, joins=joins,
                    condition=condition, where=where, trace=TRACE_TABLE, mailing=MAILING_TABLE,
                    mailing_column=TRACE_MAILING_COLUMN,
                    solicitation="TRUE" if kind == "mailing_sent" else "FALSE",
                )
            )
        params = dict(params or {}, cci_mailing_model=MAILING_MODEL,
                      cci_trace_source=SOURCE_TRACE)
        return self.env["cci.interaction"]._record_query(" UNION ALL ".join(selects), params)
