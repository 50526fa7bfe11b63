from odoo import fields, models


class EventEvent(models.Model):
    _inherit = "event.event"

    cci_department_id = fields.Many2one(
        "cci.department", string="Department",
        help="The department that organises the event (shown on the timeline).",
    )
