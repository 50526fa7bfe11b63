from odoo import api, models


class EventRegistration(models.Model):
    """Registering a company's contact to an event: their pressure, as advice."""

    _name = "event.registration"
    _inherit = ["event.registration", "cci.pressure.advice"]

    @api.depends("partner_id")
    def _compute_cci_pressure_advice(self):
        return super()._compute_cci_pressure_advice()

    def _cci_advised(self):
        return self.partner_id, "event_registered", {}
