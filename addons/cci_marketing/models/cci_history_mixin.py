from odoo import api, models
from odoo.exceptions import UserError


class CciHistoryMixin(models.AbstractModel):
    """A history that the system writes and nobody edits (the timeline, the moderation
    history): changing or deleting a row is refused, in the words of the model's users."""

    _name = "cci.history.mixin"
    _description = "History written by the system"

    def _cci_history_refusal(self, deleting):
        """The message refusing to change (or, ``deleting``, to delete) a row."""
        raise NotImplementedError

    @api.multi
    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self._cci_history_refusal(deleting=False))

    @api.multi
    def unlink(self):  # pylint: disable=method-required-super
        raise UserError(self._cci_history_refusal(deleting=True))
