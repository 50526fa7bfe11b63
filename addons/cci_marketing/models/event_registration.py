from odoo import api, models

from .cci_interaction import email_sql


class EventRegistration(models.Model):
    _inherit = "event.registration"

    @api.model
    def create(self, vals):
        record = super().create(vals)
        record._cci_capture("er.id IN %(ids)s", {"ids": tuple(record.ids)})
        return record

    @api.model
    def _cci_capture(self, where, params=None):
        return self.env["cci.interaction"]._record_query(
            """
            SELECT COALESCE(er.date_open, er.create_date), 'event_registered', er.partner_id,
                   {email}, e.cci_department_id, er.create_uid, e.name, 'event.event', e.id,
                   NULL::integer, FALSE, 'event.registration', er.id, 0
              FROM event_registration er
              JOIN event_event e ON e.id = er.event_id
             WHERE (er.partner_id IS NOT NULL OR er.email IS NOT NULL) AND {where}
            """.format(email=email_sql("er.email"), where=where),
            params,
        )
