from psycopg2 import sql

from odoo import api, models

from .cci_interaction import email_sql, ids_sql

# A registration is a fact of its contact, or of its address, dated when it was opened.
REGISTRATION_FACTS = sql.SQL("""
    SELECT COALESCE(registration.date_open, registration.create_date), 'event_registered',
           registration.partner_id, {email}, event.cci_department_id,
           registration.create_uid, event.name, 'event.event', event.id,
           NULL::integer, FALSE, 'event.registration', registration.id, 0
      FROM event_registration registration
      JOIN event_event event ON event.id = registration.event_id
     WHERE (registration.partner_id IS NOT NULL OR registration.email IS NOT NULL)
       AND {where}
""")


class EventRegistration(models.Model):
    _name = "event.registration"
    _inherit = ["cci.captured.mixin", "event.registration"]

    @api.model
    def _cci_capture(self, ids=None):
        where, params = ids_sql("registration", ids)
        return self.env["cci.interaction"]._record_query(REGISTRATION_FACTS.format(
            email=email_sql("registration.email"), where=where), params)
