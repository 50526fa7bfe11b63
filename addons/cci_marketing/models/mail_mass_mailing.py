from odoo import fields, models


class MailMassMailing(models.Model):
    _inherit = "mail.mass_mailing"

    cci_department_id = fields.Many2one(
        "cci.department", string="Department", index=True,
        help="The department that requests this mailing.",
    )
