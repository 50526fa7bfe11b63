from odoo import api, models

from .cci_interaction import email_sql


class SurveyUserInput(models.Model):
    _inherit = "survey.user_input"

    @api.model
    def create(self, vals):
        record = super().create(vals)
        if record.state == "done":
            record._cci_capture("ui.id IN %(ids)s", {"ids": tuple(record.ids)})
        return record

    @api.multi
    def write(self, vals):
        res = super().write(vals)
        if vals.get("state") == "done" and self.ids:
            self._cci_capture("ui.id IN %(ids)s", {"ids": tuple(self.ids)})
        return res

    @api.model
    def _cci_capture(self, where, params=None):
        return self.env["cci.interaction"]._record_query(
            """
            SELECT ui.write_date, 'survey_answered', ui.partner_id, {email},
                   s.cci_department_id, NULL::integer, s.title, 'survey.survey', s.id,
                   NULL::integer, FALSE, 'survey.user_input', ui.id, 0
              FROM survey_user_input ui
              JOIN survey_survey s ON s.id = ui.survey_id
             WHERE ui.state = 'done' AND (ui.partner_id IS NOT NULL OR ui.email IS NOT NULL)
               AND {where}
            """.format(email=email_sql("ui.email"), where=where),
            params,
        )
