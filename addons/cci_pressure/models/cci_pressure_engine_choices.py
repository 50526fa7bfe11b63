from odoo import _, api, fields, models

from . import cci_preferences_sql as q
from .cci_pressure_sql import render

# Pseudo-rule ids of the contact's own choices (real rules have positive ids, the pause is
# NO_SOLICIT_RULE = 0): one per period of the own cap, one per kind of opt-out.
OWN_LIMIT_RULES = {"week": -1, "month": -2, "quarter": -3}
OWN_LIMIT_DAYS = {"week": 7, "month": 30, "quarter": 91}
OPTOUT_DEPARTMENT_RULE = -4
OPTOUT_CATEGORY_RULE = -5


def is_own_choice(rule_id):
    return rule_id < 0


class CciPressureEngine(models.AbstractModel):
    """The contact's own say, counted by the engine as pseudo-rules of their own: the cap
    they chose (a contact-scope rule of weight 1 per solicitation) and their opt-outs of a
    department or a kind of message (over on every day)."""

    _inherit = "cci.pressure.engine"

    @api.model
    def _own_choice_names(self, category, department):
        """{pseudo-rule id: its name}, in the check's ``by_rule`` and the exclusions'
        reasons, in the language of the context."""
        return {
            OWN_LIMIT_RULES["week"]: _("own choice: 1 a week"),
            OWN_LIMIT_RULES["month"]: _("own choice: 1 a month"),
            OWN_LIMIT_RULES["quarter"]: _("own choice: 1 a quarter"),
            OPTOUT_DEPARTMENT_RULE: _("own choice: no mailings from %s")
            % (department.name or ""),
            OPTOUT_CATEGORY_RULE: _("own choice: no messages of the kind %s")
            % (category.name or ""),
        }

    @api.model
    def _own_choices(self, category, department, moment, horizon, exclude_id):
        """Add to cci_pressure_over the audience's contacts whose own choices this mailing
        (of this category and department, leaving at ``moment``) runs into."""
        cr = self.env.cr
        choices = sorted(OWN_LIMIT_RULES)
        cr.execute(render(cr, q.OWN_LIMIT), {
            "choices": choices, "rule_ids": [OWN_LIMIT_RULES[c] for c in choices],
            "days": [OWN_LIMIT_DAYS[c] for c in choices], "horizon": horizon,
            "d0": fields.Datetime.to_string(moment), "exclude": exclude_id,
        })
        if category or department:
            cr.execute(q.OPTED_OUT, {
                "department_rule": OPTOUT_DEPARTMENT_RULE, "category_rule": OPTOUT_CATEGORY_RULE,
                "department": department.id or None, "category": category.id or None,
                "horizon": horizon,
            })
