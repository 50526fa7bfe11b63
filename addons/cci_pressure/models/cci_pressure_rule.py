from odoo import _, api, fields, models
from odoo.addons.cci_marketing.tools import check_number
from odoo.exceptions import UserError, ValidationError

SCOPES = [
    ("contact", "Per contact"),
    ("company", "Per company"),
]
MAX_WINDOW_DAYS = 365
MAX_MAX_WEIGHT = 1000  # the engine adds weights as int4 hundredths (see its cents)


class CciPressureRule(models.Model):
    """"No more than ``max_weight`` in any ``window_days`` days", per contact or company.

    Configuration only: ``cci.pressure.engine`` counts the quotas.
    """

    _name = "cci.pressure.rule"
    _inherit = ["cci.checked.mixin"]
    _description = "Solicitation quota"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10, help="The rules are listed in this order.")
    active = fields.Boolean(default=True)
    window_days = fields.Integer(
        string="Window (days)", required=True, default=30,
        help="Length of the sliding window, in days.",
    )
    max_weight = fields.Float(
        string="Maximum weight", required=True, default=4.0, digits=(6, 2),
        help="Most a recipient may receive in any window, counted with the weights of the "
        "mailing categories (an ordinary mailing weighs 1).",
    )
    scope = fields.Selection(
        SCOPES, required=True, default="contact",
        help="Per company: the mailings received by all the contacts of a company count "
        "together (a mailing that reaches several of them counts once).",
    )
    category_ids = fields.Many2many(
        "cci.mailing.category", "cci_pressure_rule_category_rel", "rule_id", "category_id",
        string="Categories",
        help="Only mailings of these categories count and are checked. Empty: all.",
    )
    department_ids = fields.Many2many(
        "cci.department", "cci_pressure_rule_department_rel", "rule_id", "department_id",
        string="Departments",
        help="Only mailings of these departments count and are checked. Empty: all.",
    )
    summary = fields.Char(compute="_compute_summary")

    _sql_constraints = [
        ("name_unique", "unique(name)", "Another quota already has this name."),
    ]

    def _cci_check_vals(self, vals, creating=False):
        """Refuse, before anything is written, what Odoo would store as something else (an
        empty name, a window of 1.5 days as 1, None as 0, an unknown scope) or fail on with
        a raw error ('x', NaN, infinity)."""
        self._cci_check_name(vals, creating, _("A quota needs a name: it cannot be empty."))
        if "window_days" in vals:
            check_number(vals["window_days"], _("The window of a quota must be a whole number "
                                                "of days, such as 7 or 30."), whole=True)
        if "max_weight" in vals:
            check_number(vals["max_weight"], _("The maximum of a quota must be a number, such "
                                               "as 2 or 4.5."))
        scope = vals.get("scope")
        if "scope" in vals and not (isinstance(scope, str) and scope in dict(SCOPES)):
            raise UserError(_("The scope of a quota must be 'contact' (each contact counted "
                              "alone) or 'company' (the contacts of a company counted "
                              "together)."))

    @api.constrains("window_days", "max_weight")
    def _check_values(self):
        for rule in self:
            if rule.window_days < 1 or rule.window_days > MAX_WINDOW_DAYS:
                raise ValidationError(
                    _("The window of the quota '%(name)s' must be between 1 and %(max)d days.")
                    % {"name": rule.name, "max": MAX_WINDOW_DAYS}
                )
            rule._cci_check_range(
                rule.max_weight, MAX_MAX_WEIGHT,
                _("The maximum of the quota '%s' cannot be negative (0 means: nothing "
                  "at all in the window).") % rule.name,
                _("The maximum of the quota '%(name)s' cannot be more than %(max)d.")
                % {"name": rule.name, "max": MAX_MAX_WEIGHT})

    @api.depends("window_days", "max_weight", "scope")
    def _compute_summary(self):
        for rule in self:
            if rule.scope == "company":
                text = _("At most %(max)s in %(days)d days per company")
            else:
                text = _("At most %(max)s in %(days)d days per contact")
            rule.summary = text % {"max": "%g" % rule.max_weight, "days": rule.window_days}

    # ------------------------------------------------------------------
    # Which rules apply
    # ------------------------------------------------------------------

    @api.model
    def _cci_rules_for(self, category, department):
        """The active rules that apply to a mailing of this category and department."""
        # pylint: disable=no-search-all
        return self.search([]).filtered(
            lambda r: (not r.category_ids or category in r.category_ids)
            and (not r.department_ids or department in r.department_ids)
        )
