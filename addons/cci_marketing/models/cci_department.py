from odoo import fields, models


class CciDepartment(models.Model):
    _name = "cci.department"
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
