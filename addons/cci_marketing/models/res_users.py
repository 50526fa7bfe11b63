from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    cci_department_ids = fields.Many2many(
        "cci.department",
        "cci_department_res_users_rel",
        "user_id",
        "department_id",
        string="Departments",
    )
