from odoo import api, fields, models


class EventRegistration(models.Model):
    """Registering a company's contact to an event: their pressure, as advice."""

    _inherit = "event.registration"

    cci_pressure_advice = fields.Html("Solicitation pressure", compute="_compute_cci_advice",
                                      sanitize=False)

    @api.depends("partner_id")
    def _compute_cci_advice(self):
        Advice = self.env["cci.pressure.advice"]
        for registration in self:
            registration.cci_pressure_advice = Advice._cci_advice_html(
                registration.partner_id, "event_registered")
