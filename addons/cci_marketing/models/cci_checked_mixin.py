import math

from odoo import api, models
from odoo.exceptions import UserError, ValidationError


class CciCheckedMixin(models.AbstractModel):
    """Values checked before anything is written: Odoo would store some wrong ones as
    something else (None as 0, 1.5 days as 1) and fail on others with a raw error."""

    _name = "cci.checked.mixin"
    _description = "Values checked before writing"

    @api.model
    def create(self, vals):
        self._cci_check_vals(vals, creating=True)
        return super().create(vals)

    @api.multi
    def write(self, vals):
        self._cci_check_vals(vals)
        return super().write(vals)

    def _cci_check_vals(self, vals, creating=False):
        """Raise UserError, in plain words, on what ``vals`` may not write."""

    @api.model
    def _cci_check_name(self, vals, creating, message):
        """UserError(message) for an empty name, or none on creation."""
        if creating or "name" in vals:
            name = vals.get("name")
            if not isinstance(name, str) or not name.strip():
                raise UserError(message)

    @api.model
    def _cci_check_range(self, value, maximum, negative, too_big):
        """ValidationError(negative) for a negative or not finite ``value``, (too_big)
        above ``maximum``: what the constraints of a weight or a maximum say."""
        if not math.isfinite(value) or value < 0:
            raise ValidationError(negative)
        if value > maximum:
            raise ValidationError(too_big)
