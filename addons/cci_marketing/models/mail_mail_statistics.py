from odoo import api, models

from .cci_interaction import email_sql

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

    @api.multi
    def write(self, vals):
        res = super().write(vals)
        kinds = [col for col in STAT_KINDS if vals.get(col)]
        if kinds and self.ids:
            self._cci_capture("st.id IN %(ids)s", {"ids": tuple(self.ids)}, columns=kinds)
        return res

    @api.model
    def _cci_recipient_sql(self):
        """(joins, partner expression, email expression) per recipient model of a mailing.

        Odoo 11 specific: mailings target res.partner, mailing contacts, leads or event
        registrations; a port adds the models its series can target.
        """
        joins = """
            LEFT JOIN res_partner rp ON st.model = 'res.partner' AND rp.id = st.res_id
            LEFT JOIN mail_mass_mailing_contact mc
                   ON st.model = 'mail.mass_mailing.contact' AND mc.id = st.res_id
            LEFT JOIN crm_lead ld ON st.model = 'crm.lead' AND ld.id = st.res_id
            LEFT JOIN event_registration er
                   ON st.model = 'event.registration' AND er.id = st.res_id
        """
        partner = "COALESCE(rp.id, ld.partner_id, er.partner_id)"
        email = email_sql("COALESCE(rp.email, mc.email, ld.email_from, er.email)")
        return joins, partner, email

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
