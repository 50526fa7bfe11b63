from odoo import api, fields, models
from odoo.exceptions import AccessError


class MailActivity(models.Model):
    """Planning a call or a visit: the pressure of the person called, as advice."""

    _inherit = "mail.activity"

    cci_pressure_advice = fields.Html("Solicitation pressure", compute="_compute_cci_advice",
                                      sanitize=False)

    @api.depends("res_model", "res_id", "activity_type_id")
    def _compute_cci_advice(self):
        Advice = self.env["cci.pressure.advice"]
        for activity in self:
            activity.cci_pressure_advice = Advice._cci_advice_html(
                activity._cci_advised(), "activity_done", activity.activity_type_id)

    def _cci_advised(self):
        """The partner the activity solicits: the contact itself, or the partner of the
        document (a lead, an opportunity)."""
        Partner = self.env["res.partner"]
        if not self.res_model or not self.res_id or self.res_model not in self.env:
            return Partner
        if self.res_model == "res.partner":
            return Partner.browse(self.res_id).exists()
        document = self.env[self.res_model].browse(self.res_id)
        field = document._fields.get("partner_id")
        if not field or field.comodel_name != "res.partner" or not document.exists():
            return Partner
        try:
            return document.partner_id
        except AccessError:  # the reader may plan on a document whose partner is private
            return Partner
