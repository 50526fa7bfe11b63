from odoo import api, fields, models


class CalendarEvent(models.Model):
    """Planning a meeting: the pressure of the outside attendees, as advice."""

    _inherit = "calendar.event"

    cci_pressure_advice = fields.Html("Solicitation pressure", compute="_compute_cci_advice",
                                      sanitize=False)

    @api.depends("partner_ids", "user_id")
    def _compute_cci_advice(self):
        Advice = self.env["cci.pressure.advice"]
        for event in self:
            # the chamber's own people are not solicited
            outside = event.partner_ids.filtered(lambda partner: not partner.user_ids)
            event.cci_pressure_advice = Advice._cci_advice_html(outside, "meeting",
                                                               user=event.user_id)
