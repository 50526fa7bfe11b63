from odoo import _, api, fields, models
from odoo.addons.cci_marketing.odoo11 import MAILING_MODEL
from odoo.addons.cci_marketing.tools import check_number, count_by, window_action

MAX_WEIGHT = 100


class CciMailingCategory(models.Model):
    """The kind of message a mailing is, and what it costs in the solicitation quotas."""

    _name = "cci.mailing.category"
    _inherit = ["cci.checked.mixin"]
    _description = "Mailing category"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    weight = fields.Float(
        default=1.0,
        digits=(6, 2),
        required=True,
        help="What one mailing of this category costs a recipient in the quotas. "
        "0: it never counts and is never held back (e.g. statutory notices); "
        "2: it counts as two ordinary mailings (e.g. commercial offers).",
    )
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
    mailing_count = fields.Integer(string="Mailings", compute="_compute_mailing_count")

    _sql_constraints = [
        ("name_unique", "unique(name)", "Another mailing category already has this name."),
    ]

    def _cci_check_vals(self, vals, creating=False):
        """Refuse, before anything is written, an empty name and a weight that is not a
        number (Odoo would store None as 0 and fail with a raw error on 'x' or NaN)."""
        self._cci_check_name(vals, creating,
                             _("A mailing category needs a name: it cannot be empty."))
        if "weight" in vals:
            check_number(vals["weight"], _("The weight of a mailing category must be a number, "
                                           "such as 1, 2 or 0.5."))

    @api.constrains("weight")
    def _check_weight(self):
        for category in self:
            category._cci_check_range(
                category.weight, MAX_WEIGHT,
                _("The weight of the category '%s' cannot be negative: use 0 for messages "
                  "that never count, such as statutory notices.") % category.name,
                _("The weight of the category '%(name)s' cannot be more than %(max)d.")
                % {"name": category.name, "max": MAX_WEIGHT})

    def _compute_mailing_count(self):
        counts = count_by(self.env[MAILING_MODEL], "cci_category_id", self.ids)
        for category in self:
            category.mailing_count = counts.get(category.id, 0)

    @api.multi
    def action_view_mailings(self):
        self.ensure_one()
        return window_action(self.env, "mass_mailing.action_view_mass_mailings",
                             [("cci_category_id", "=", self.id)],
                             {"default_cci_category_id": self.id})
