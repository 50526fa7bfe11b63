from odoo import api, models
from odoo.addons.cci_marketing.odoo11 import MAILING_MODEL


class CciRecountMixin(models.AbstractModel):
    """What changes how everyone counts (a quota, a category's weight) asks the next
    nightly refresh to recount every partner, not only those whose windows moved."""

    _name = "cci.recount.mixin"
    _description = "Changes that make every partner be recounted"
    # the fields whose change matters; None: any
    _cci_recount_fields = None

    def _cci_recount_if(self, vals):
        if self._cci_recount_fields is None or set(vals) & set(self._cci_recount_fields):
            self.env["res.partner"]._cci_request_full_refresh()

    @api.model
    def create(self, vals):
        record = super().create(vals)
        self._cci_recount_if(vals)
        return record

    @api.multi
    def write(self, vals):
        res = super().write(vals)
        self._cci_recount_if(vals)
        return res

    @api.multi
    def unlink(self):
        res = super().unlink()
        self.env["res.partner"]._cci_request_full_refresh()
        return res


class CciPressureRule(models.Model):
    _name = "cci.pressure.rule"
    _inherit = ["cci.pressure.rule", "cci.recount.mixin"]


class CciMailingCategory(models.Model):
    _name = "cci.mailing.category"
    _inherit = ["cci.mailing.category", "cci.recount.mixin"]
    _cci_recount_fields = ("weight", "active")


class MailMassMailing(models.Model):
    """A mailing that changes category changes what its past sending weighs."""

    _inherit = MAILING_MODEL

    @api.multi
    def write(self, vals):
        res = super().write(vals)
        if "cci_category_id" in vals and self.filtered("sent_date"):
            self.env["res.partner"]._cci_request_full_refresh()
        return res
