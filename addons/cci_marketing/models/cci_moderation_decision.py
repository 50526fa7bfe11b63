from odoo import _, fields, models

from ..moderation import MODERATION_STATES
from ..odoo11 import MAILING_MODEL

DECISIONS = [
    ("submit", "Submitted"),
    ("approve", "Approved"),
    ("postpone", "Postponed"),
    ("reject", "Rejected"),
    ("reset", "Back to draft"),
    ("changed", "Changed after approval"),
    ("failed", "Could not be sent"),
]


class CciModerationDecision(models.Model):
    """One step of a mailing's moderation: who, when, from which state to which, why.

    Written by the system on every change of ``cci_moderation_state`` (whatever the path),
    never edited by hand.
    """

    _name = "cci.moderation.decision"
    _inherit = ["cci.history.mixin"]
    _description = "Moderation decision on a mailing"
    _order = "date desc, id desc"
    _rec_name = "decision"

    mass_mailing_id = fields.Many2one(
        MAILING_MODEL, string="Mailing", required=True, readonly=True, index=True,
        ondelete="cascade",
    )
    department_id = fields.Many2one(
        "cci.department", readonly=True, ondelete="set null"
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    user_id = fields.Many2one("res.users", string="By", readonly=True, ondelete="set null")
    decision = fields.Selection(DECISIONS, required=True, readonly=True)
    # the states as a list, not a function: Odoo exports and translates only a list's labels
    state_from = fields.Selection(MODERATION_STATES, string="From", readonly=True)
    state_to = fields.Selection(MODERATION_STATES, string="To", readonly=True)
    schedule_date = fields.Datetime(string="Send date", readonly=True)
    note = fields.Text(string="Reason", readonly=True)

    def _cci_history_refusal(self, deleting):
        if deleting:
            return _("The moderation history cannot be deleted.")
        return _("The moderation history cannot be changed.")
