from odoo import _, fields, models
from odoo.exceptions import UserError


class CciDepartment(models.Model):
    _name = "cci.department"
    _inherit = ["cci.checked.mixin"]
    _description = "Chamber department"
    _order = "name"

    name = fields.Char(required=True)
    code = fields.Char(required=True, help="Short unique code, e.g. FORM for Formation.")
    user_ids = fields.Many2many(
        "res.users",
        "cci_department_res_users_rel",
        "department_id",
        "user_id",
        string="Members",
    )
    color = fields.Integer(string="Color Index")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_unique", "unique(code)", "Another department already uses this code."),
    ]

    def _cci_check_vals(self, vals, creating=False):
        """Refuse, before anything is written, an empty name or code and a code already
        used (the database's own refusal would not say by which department)."""
        self._cci_check_name(vals, creating, _("A department needs a name: it cannot be empty."))
        if creating or "code" in vals:
            code = vals.get("code")
            if not isinstance(code, str) or not code.strip():
                raise UserError(_("A department needs a code, such as FORM for Formation: it "
                                  "cannot be empty."))
            other = self.with_context(active_test=False).search(
                [("code", "=", code), ("id", "not in", self.ids)], limit=1)
            if other:
                raise UserError(_("The code %(code)s is already used by the department "
                                  "%(name)s: choose another one.")
                                % {"code": code, "name": other.sudo().name})
