from odoo import api, models

from .cci_interaction import RECIPIENT_COLUMNS, email_sql

# mail.mail.statistics timestamp -> ledger kind
STAT_KINDS = {
    "sent": "mailing_sent",
    "opened": "mailing_opened",
    "clicked": "mailing_clicked",
    "replied": "mailing_replied",
    "bounced": "mailing_bounced",
}


class MailMailStatistics(models.Model):
    """Capture point of mailing facts: each tracking timestamp Odoo sets becomes a row."""

    _inherit = "mail.mail.statistics"

    @api.model
    def create(self, vals):
        stat = super().create(vals)
        kinds = [col for col in STAT_KINDS if vals.get(col)]
        if kinds:
            stat._cci_capture("st.id IN %(ids)s", {"ids": tuple(stat.ids)}, columns=kinds)
        return stat

    @api.multi
    def write(self, vals):
        res = super().write(vals)
        kinds = [col for col in STAT_KINDS if vals.get(col)]
        if kinds and self.ids:
            self._cci_capture("st.id IN %(ids)s", {"ids": tuple(self.ids)}, columns=kinds)
        return res

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
            kind = STAT_KINDS[column]
            selects.append(
                """
                SELECT st.{col}, '{kind}', {partner}, {email}, m.cci_department_id,
                       m.create_uid, src.name, 'mail.mass_mailing', m.id, m.id,
                       {solicitation}, 'mail.mail.statistics', st.id, 0
                  FROM mail_mail_statistics st
                  JOIN mail_mass_mailing m ON m.id = st.mass_mailing_id
                  JOIN utm_source src ON src.id = m.source_id
                  {joins}
                 WHERE st.{col} IS NOT NULL AND {where}
                """.format(
                    col=column, kind=kind, partner=partner, email=email, joins=joins,
                    where=where, solicitation="TRUE" if kind == "mailing_sent" else "FALSE",
                )
            )
        return self.env["cci.interaction"]._record_query(" UNION ALL ".join(selects), params)
