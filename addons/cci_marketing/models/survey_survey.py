from odoo import fields, models


class SurveySurvey(models.Model):
    _inherit = "survey.survey"

    cci_department_id = fields.Many2one(
        "cci.department", string="Department",
        help="The department on whose behalf the answers are collected (shown on the timeline).",
    )
