from odoo import api, models

from .cci_interaction import email_sql, user_department_sql


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.model
    def create(self, vals):
        record = super().create(vals)
        record._cci_capture("ld.id IN %(ids)s", {"ids": tuple(record.ids)})
        return record

    @api.multi
    def write(self, vals):
        res = super().write(vals)
        if vals.get("partner_id"):
            # a lead linked to its contact later: its row follows it
            self.env.cr.execute(
                """UPDATE cci_interaction SET partner_id = rp.id,
                          commercial_partner_id = rp.commercial_partner_id
                     FROM res_partner rp
                    WHERE rp.id = %s AND source_model = 'crm.lead' AND source_id IN %s
                RETURNING rp.id""",
                (vals["partner_id"], tuple(self.ids)),
            )
            if self.env.cr.fetchall():
                self.env["cci.interaction"].invalidate_cache(
                    ["partner_id", "commercial_partner_id"])
                self.env["res.partner"]._cci_interactions_changed([vals["partner_id"]])
        return res

    @api.model
    def _cci_capture(self, where, params=None):
        return self.env["cci.interaction"]._record_query(
            """
            SELECT ld.create_date, 'lead', ld.partner_id, {email},
                   {department}, ld.user_id, ld.name, 'crm.lead', ld.id,
                   NULL::integer, FALSE, 'crm.lead', ld.id, 0
              FROM crm_lead ld
             WHERE (ld.partner_id IS NOT NULL OR ld.email_from IS NOT NULL) AND {where}
            """.format(
                email=email_sql("ld.email_from"),
                department=user_department_sql("COALESCE(ld.user_id, ld.create_uid)"),
                where=where,
            ),
            params,
        )
