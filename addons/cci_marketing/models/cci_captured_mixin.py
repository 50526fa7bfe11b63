from odoo import api, models


class CciCapturedMixin(models.AbstractModel):
    """A capture point of the ledger: the facts of a record are recorded as it is created.

    Listed first in ``_inherit`` (``_inherit = ["cci.captured.mixin", "crm.lead"]``) so
    that it wraps the model's whole ``create``; the model has ``_cci_capture(ids)``.
    """

    _name = "cci.captured.mixin"
    _description = "Facts recorded on creation"

    @api.model
    def create(self, vals):
        record = super().create(vals)
        ids = record._cci_captured_ids(vals)
        if ids:
            record._cci_capture(ids)
        return record

    def _cci_captured_ids(self, vals):
        """The ids of these new records whose facts are recorded now: all of them."""
        return self.ids
