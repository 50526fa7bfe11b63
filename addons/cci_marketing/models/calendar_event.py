from odoo import api, models

from .cci_interaction import user_department_sql


class CalendarEvent(models.Model):
    """A meeting becomes one row per external attendee (internal users are not contacts)."""

    _inherit = "calendar.event"

    @api.model
    def create(self, vals):
        record = super().create(vals)
        record._cci_capture_ids()
        return record

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
        self.env.cr.execute(
            """
            UPDATE cci_interaction i SET date = ev.start, name = ev.name
              FROM calendar_event ev
             WHERE i.source_model = 'calendar.event' AND i.source_id = ev.id
               AND ev.id IN %s AND ev.start IS NOT NULL
               AND (i.date IS DISTINCT FROM ev.start OR i.name IS DISTINCT FROM ev.name)
            RETURNING i.partner_id
            """,
            (tuple(ids),),
        )
        partner_ids = [r[0] for r in self.env.cr.fetchall() if r[0]]
        self.env["cci.interaction"].invalidate_cache(["date", "name"])
        if partner_ids:
            self.env["res.partner"]._cci_interactions_changed(partner_ids)

    def _cci_capture_ids(self):
        ids = [i for i in self.ids if isinstance(i, int)]  # recurrent events have virtual ids
        if ids:
            self._cci_capture("ev.id IN %(ids)s", {"ids": tuple(ids)})

    @api.model
    def _cci_capture(self, where, params=None):
        return self.env["cci.interaction"]._record_query(
            """
            SELECT ev.start, 'meeting', rel.res_partner_id, NULL::varchar,
                   {department}, ev.user_id, ev.name, 'calendar.event', ev.id,
                   NULL::integer, FALSE, 'calendar.event', ev.id, rel.res_partner_id
              FROM calendar_event ev
              JOIN calendar_event_res_partner_rel rel ON rel.calendar_event_id = ev.id
             WHERE ev.active
               AND NOT EXISTS (SELECT 1 FROM res_users u
                                WHERE u.partner_id = rel.res_partner_id AND NOT u.share)
               AND {where}
            """.format(department=user_department_sql("ev.user_id"), where=where),
            params,
        )
