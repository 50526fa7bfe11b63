from odoo import api, fields, models


class EventRegistration(models.Model):
    """Registering a company's contact to an event: their pressure, as advice, on the form
    and, as the contact's level, in the list of an event's attendees."""

    _name = "event.registration"
    _inherit = ["event.registration", "cci.pressure.advice"]

    cci_partner_pressure_level = fields.Selection(
        related="partner_id.cci_pressure_level", string="Pressure", readonly=True,
        help="How much of their quotas the contact (or their company) already uses: "
        "at quota, the invitation still goes, and it counts.")

    @api.depends("partner_id")
    def _compute_cci_pressure_advice(self):
        return super()._compute_cci_pressure_advice()

    def _cci_advised(self):
        return self.partner_id, "event_registered", {}
