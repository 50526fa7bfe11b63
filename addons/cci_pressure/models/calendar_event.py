from odoo import api, models


class CalendarEvent(models.Model):
    """Planning a meeting: the pressure of the outside attendees, as advice."""

    _name = "calendar.event"
    _inherit = ["calendar.event", "cci.pressure.advice"]

    @api.depends("partner_ids", "user_id", "categ_ids")
    def _compute_cci_pressure_advice(self):
        return super()._compute_cci_pressure_advice()

    def _cci_advised(self):
        # the chamber's own people are not solicited
        outside = self.partner_ids.filtered(lambda partner: not partner.user_ids)
        return outside, "meeting", {"meeting_tags": self.categ_ids, "user": self.user_id}
