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
from ..tools import render
from .cci_interaction import email_sql, ids_sql

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
DATE_SENT_ROWS = sql.SQL("""
    UPDATE cci_interaction interaction SET date = {sent}
      FROM {trace} trace
     WHERE trace.id = ANY(%(ids)s::int[]) AND {sent} IS NOT NULL
       AND interaction.kind = 'mailing_sent' AND interaction.source_model = %(source)s
       AND interaction.source_id = trace.id AND interaction.source_sub_id = 0
       AND interaction.date <> {sent}
""").format(trace=sql.Identifier(TRACE_TABLE), sent=sql.Identifier("trace", TRACE_SENT))
# A mail that never left is no solicitation: its row goes.
FORGET_UNSENT = sql.SQL("""
    DELETE FROM cci_interaction interaction
     USING {trace} trace
     WHERE trace.id = ANY(%(ids)s::int[]) AND {sent} IS NULL
       AND interaction.kind = 'mailing_sent' AND interaction.source_model = %(source)s
       AND interaction.source_id = trace.id AND interaction.source_sub_id = 0
    RETURNING interaction.partner_id, interaction.commercial_partner_id
""").format(trace=sql.Identifier(TRACE_TABLE), sent=sql.Identifier("trace", TRACE_SENT))
# The fact of one tracking timestamp ({date} where {condition}) of the traces of {where}:
# the recipient's contact (or address, through {joins}), the mailing and its department.
TRACE_FACTS = sql.SQL("""
    SELECT {date}, {kind}, {partner}, {email}, mailing.cci_department_id,
           mailing.create_uid, source.name, %(cci_mailing_model)s, mailing.id,
           mailing.id, {solicitation}, %(cci_trace_source)s, trace.id, 0
      FROM {trace} trace
      JOIN {mailing} mailing ON mailing.id = {trace_mailing}
      JOIN utm_source source ON source.id = mailing.source_id
      {joins}
     WHERE {condition} AND {where}
""")
# The recipient of a trace in the table of its model.
JOIN_RECIPIENT = sql.SQL(
    "LEFT JOIN {table} {recipient} ON trace.model = {model} AND {recipient}.id = trace.res_id")


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
            stat._cci_capture(stat.ids, columns=kinds)
        return stat

    @api.multi
    def write(self, vals):
        self._cci_check_system_write()
        res = super().write(vals)
        kinds = [col for col in STAT_KINDS if vals.get(col)]
        if kinds and self.ids:
            self._cci_capture(self.ids, columns=kinds)
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
        self.env.cr.execute(render(self.env.cr, DATE_SENT_ROWS),
                            {"ids": list(self.ids), "source": SOURCE_TRACE})

    def _cci_forget_unsent(self):
        """A mail that never left (failed, cancelled, taken back) is no solicitation."""
        if not self.ids:
            return
        self.env.cr.execute(render(self.env.cr, FORGET_UNSENT),
                            {"ids": list(self.ids), "source": SOURCE_TRACE})
        partner_ids = {p for row in self.env.cr.fetchall() for p in row if p}
        if partner_ids:
            self.env["res.partner"]._cci_interactions_changed(sorted(partner_ids))

    @api.model
    def _cci_recipient_sql(self):
        """(joins, partner expression, email expression, params) over the recipient
        models."""
        joins, partners, emails, params = [], [], [], {}
        for n, (model, (table, partner_col, email_col)) in enumerate(
                sorted(RECIPIENT_COLUMNS.items())):
            recipient = "recipient_%d" % n
            params[recipient] = model
            joins.append(JOIN_RECIPIENT.format(
                table=sql.Identifier(table), recipient=sql.Identifier(recipient),
                model=sql.Placeholder(recipient)))
            if partner_col:
                partners.append(sql.Identifier(recipient, partner_col))
            emails.append(sql.Identifier(recipient, email_col))
        coalesce = sql.SQL("COALESCE({})").format
        return (sql.SQL("\n").join(joins), coalesce(sql.SQL(", ").join(partners)),
                email_sql(coalesce(sql.SQL(", ").join(emails))), params)

    @api.model
    def _cci_capture(self, ids=None, columns=None):
        joins, partner, email, params = self._cci_recipient_sql()
        where, ids_params = ids_sql("trace", ids)
        selects = []
        for n, column in enumerate(columns or list(STAT_KINDS)):
            if column == MADE:
                # create_date has microseconds, the checks compare whole seconds: a mail
                # made in the same second as a check must count in it
                kind = "mailing_sent"
                condition = sql.SQL("{} IS NULL").format(
                    sql.Identifier("trace", TRACE_EXCEPTION))
                date = sql.SQL("date_trunc('second', COALESCE({}, trace.create_date))").format(
                    sql.Identifier("trace", TRACE_SENT))
            else:
                kind, date = STAT_KINDS[column], sql.Identifier("trace", column)
                condition = sql.SQL("{} IS NOT NULL").format(date)
            params["kind_%d" % n] = kind
            selects.append(TRACE_FACTS.format(
                date=date, kind=sql.SQL("{}::varchar").format(sql.Placeholder("kind_%d" % n)),
                partner=partner, email=email, joins=joins, condition=condition, where=where,
                trace=sql.Identifier(TRACE_TABLE), mailing=sql.Identifier(MAILING_TABLE),
                trace_mailing=sql.Identifier("trace", TRACE_MAILING_COLUMN),
                solicitation=sql.SQL("TRUE" if kind == "mailing_sent" else "FALSE")))
        params.update(ids_params, cci_mailing_model=MAILING_MODEL,
                      cci_trace_source=SOURCE_TRACE)
        return self.env["cci.interaction"]._record_query(
            sql.SQL(" UNION ALL ").join(selects), params)
