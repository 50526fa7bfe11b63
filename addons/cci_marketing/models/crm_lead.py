from psycopg2 import sql

from odoo import api, models

from .cci_interaction import email_sql, ids_sql, user_department_sql

# A lead is a fact of its contact, or of its address, dated when it came in.
LEAD_FACTS = sql.SQL("""
    SELECT lead.create_date, 'lead', lead.partner_id, {email},
           {department}, lead.user_id, lead.name, 'crm.lead', lead.id,
           NULL::integer, FALSE, 'crm.lead', lead.id, 0
      FROM crm_lead lead
     WHERE (lead.partner_id IS NOT NULL OR lead.email_from IS NOT NULL) AND {where}
""")
# A lead linked to its contact later: its row follows it.
FOLLOW_CONTACT = """
    UPDATE cci_interaction interaction
       SET partner_id = partner.id, commercial_partner_id = partner.commercial_partner_id
      FROM res_partner partner
     WHERE partner.id = %(partner)s AND interaction.source_model = 'crm.lead'
       AND interaction.source_id = ANY(%(ids)s::int[])
    RETURNING partner.id
"""


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["cci.captured.mixin", "crm.lead"]

    @api.multi
    def write(self, vals):
        res = super().write(vals)
        if vals.get("partner_id"):
            self.env.cr.execute(FOLLOW_CONTACT,
                                {"partner": vals["partner_id"], "ids": list(self.ids)})
            if self.env.cr.fetchall():
                self.env["cci.interaction"].invalidate_cache(
                    ["partner_id", "commercial_partner_id"])
                self.env["res.partner"]._cci_interactions_changed([vals["partner_id"]])
        return res

    @api.model
    def _cci_capture(self, ids=None):
        where, params = ids_sql("lead", ids)
        return self.env["cci.interaction"]._record_query(LEAD_FACTS.format(
            email=email_sql("lead.email_from"),
            department=user_department_sql(sql.SQL("COALESCE(lead.user_id, lead.create_uid)")),
            where=where), params)
