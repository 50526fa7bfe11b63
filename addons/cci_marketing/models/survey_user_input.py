from psycopg2 import sql

from odoo import api, models

from .cci_interaction import email_sql, ids_sql

# A finished answer is a fact of its contact, or of its address.
ANSWER_FACTS = sql.SQL("""
    SELECT answer.write_date, 'survey_answered', answer.partner_id, {email},
           survey.cci_department_id, NULL::integer, survey.title, 'survey.survey', survey.id,
           NULL::integer, FALSE, 'survey.user_input', answer.id, 0
      FROM survey_user_input answer
      JOIN survey_survey survey ON survey.id = answer.survey_id
     WHERE answer.state = 'done'
       AND (answer.partner_id IS NOT NULL OR answer.email IS NOT NULL) AND {where}
""")


class SurveyUserInput(models.Model):
    _name = "survey.user_input"
    _inherit = ["cci.captured.mixin", "survey.user_input"]

    def _cci_captured_ids(self, vals):
        """An answer is a fact once it is finished."""
        return self.ids if self.state == "done" else []

    @api.multi
    def write(self, vals):
        res = super().write(vals)
        if vals.get("state") == "done" and self.ids:
            self._cci_capture(self.ids)
        return res

    @api.model
    def _cci_capture(self, ids=None):
        where, params = ids_sql("answer", ids)
        return self.env["cci.interaction"]._record_query(ANSWER_FACTS.format(
            email=email_sql("answer.email"), where=where), params)
