from psycopg2 import sql

from odoo import api, models

from .cci_interaction import ids_sql, user_department_sql

# A meeting is a fact of each attendee who is no internal user.
MEETING_FACTS = sql.SQL("""
    SELECT meeting.start, 'meeting', attendee.res_partner_id, NULL::varchar,
           {department}, meeting.user_id, meeting.name, 'calendar.event', meeting.id,
           NULL::integer, FALSE, 'calendar.event', meeting.id, attendee.res_partner_id
      FROM calendar_event meeting
      JOIN calendar_event_res_partner_rel attendee
        ON attendee.calendar_event_id = meeting.id
     WHERE meeting.active
       AND NOT EXISTS (SELECT 1 FROM res_users colleague
                        WHERE colleague.partner_id = attendee.res_partner_id
                          AND NOT colleague.share)
       AND {where}
""")
# A meeting moved or renamed: its rows say when it happens and what it is.
FOLLOW_MEETING = """
    UPDATE cci_interaction interaction SET date = meeting.start, name = meeting.name
      FROM calendar_event meeting
     WHERE interaction.source_model = 'calendar.event' AND interaction.source_id = meeting.id
       AND meeting.id = ANY(%(ids)s::int[]) AND meeting.start IS NOT NULL
       AND (interaction.date IS DISTINCT FROM meeting.start
            OR interaction.name IS DISTINCT FROM meeting.name)
    RETURNING interaction.partner_id
"""


class CalendarEvent(models.Model):
    """A meeting becomes one row per external attendee (internal users are not contacts)."""

    _name = "calendar.event"
    _inherit = ["cci.captured.mixin", "calendar.event"]

    def _cci_captured_ids(self, vals):
        return [i for i in self.ids if isinstance(i, int)]  # recurrent events: virtual ids

    @api.multi
    def write(self, vals):
        res = super().write(vals)
        if "partner_ids" in vals:
            self._cci_capture_ids()
        if {"start", "start_datetime", "start_date", "name"} & set(vals):
            self._cci_follow_changes()
        return res

    def _cci_follow_changes(self):
        """A meeting moved or renamed: its rows say when it happens and what it is."""
        ids = [i for i in self.ids if isinstance(i, int)]
        if not ids:
            return
        self.env.cr.execute(FOLLOW_MEETING, {"ids": ids})
        partner_ids = [r[0] for r in self.env.cr.fetchall() if r[0]]
        self.env["cci.interaction"].invalidate_cache(["date", "name"])
        if partner_ids:
            self.env["res.partner"]._cci_interactions_changed(partner_ids)

    def _cci_capture_ids(self):
        ids = self._cci_captured_ids({})
        if ids:
            self._cci_capture(ids)

    @api.model
    def _cci_capture(self, ids=None):
        where, params = ids_sql("meeting", ids)
        return self.env["cci.interaction"]._record_query(MEETING_FACTS.format(
            department=user_department_sql("meeting.user_id"), where=where), params)
