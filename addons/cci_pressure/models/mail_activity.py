from odoo import api, models
from odoo.exceptions import AccessError


class MailActivity(models.Model):
    """Planning a call or a visit: the pressure of the person called, as advice."""

    _name = "mail.activity"
    _inherit = ["mail.activity", "cci.pressure.advice"]

    @api.depends("res_model", "res_id", "activity_type_id")
    def _compute_cci_pressure_advice(self):
        return super()._compute_cci_pressure_advice()

    def _cci_advised(self):
        """The contact the activity solicits, or the partner of its document (a lead, an
        opportunity)."""
        return self._cci_activity_partner(), "activity_done", {
            "activity_type": self.activity_type_id}

    def _cci_activity_partner(self):
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
