from psycopg2 import sql

from odoo import _, api, fields, models
from odoo.addons.cci_marketing.tools import render
from odoo.exceptions import ValidationError

CHANNEL_KINDS = [
    ("activity_done", "Activity done (call, visit, letter...)"),
    ("meeting", "Meeting organised by a department"),
    ("event_registered", "Event registration or invitation"),
]

# Which channel counts an interaction when several match it: one for its activity type or
# meeting tag before one for every interaction of its kind, then by sequence.
CHANNEL_PRECEDENCE = """channel.activity_type_id IS NULL AND channel.meeting_type_id IS NULL,
                  channel.sequence, channel.id"""

# The category an interaction about to be made would count as (the advice of the forms).
CATEGORY_OF = sql.SQL("""
    SELECT channel.category_id
      FROM cci_solicitation_channel channel
     WHERE channel.active AND channel.kind = %(kind)s
       AND (channel.activity_type_id IS NULL OR channel.activity_type_id = %(activity_type)s)
       AND (channel.meeting_type_id IS NULL OR channel.meeting_type_id = ANY(%(tags)s::int[]))
     ORDER BY """ + CHANNEL_PRECEDENCE + """
     LIMIT 1
""")

# The ledger's rows of {scope} not counted yet that a channel counts: each with the category
# of its channel (CHANNEL_PRECEDENCE), a solicitation when that category weighs anything. A
# meeting counts when a department organised it (its organiser is a member of one), with the
# channel's tag if any.
STAMP = sql.SQL("""
    WITH matched AS (
        SELECT DISTINCT ON (row_.id) row_.id, channel.category_id, category.weight
          FROM cci_interaction row_
          JOIN cci_solicitation_channel channel ON channel.active AND channel.kind = row_.kind
          JOIN cci_mailing_category category ON category.id = channel.category_id
          LEFT JOIN mail_message message ON row_.source_model = 'mail.message'
                                        AND message.id = row_.source_id
         WHERE {scope} AND row_.cci_category_id IS NULL
           AND row_.kind IN ('activity_done', 'meeting', 'event_registered')
           AND (channel.activity_type_id IS NULL
                OR channel.activity_type_id = message.mail_activity_type_id)
           AND (row_.kind <> 'meeting' OR row_.department_id IS NOT NULL)
           AND (channel.meeting_type_id IS NULL OR EXISTS (
                SELECT 1 FROM meeting_category_rel tag
                 WHERE row_.source_model = 'calendar.event' AND tag.event_id = row_.source_id
                   AND tag.type_id = channel.meeting_type_id))
         ORDER BY row_.id, """ + CHANNEL_PRECEDENCE + """
    )
    UPDATE cci_interaction row_
       SET cci_category_id = matched.category_id, is_solicitation = matched.weight > 0
      FROM matched
     WHERE row_.id = matched.id
    RETURNING row_.partner_id, row_.commercial_partner_id
""")


class CciSolicitationChannel(models.Model):
    """Which interactions other than mailings are solicitations, and what they weigh: an
    activity done of a type (a call, a visit, a letter), a meeting organised by a
    department, an event registration, counted with the category of the mailings.

    The ledger's rows get the category of their channel as they are captured (and the
    history not counted yet, when a channel is added); then the quotas count them as they
    count mailings: per contact and company, by department and category."""

    _name = "cci.solicitation.channel"
    _description = "Channel that counts as a solicitation"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    kind = fields.Selection(CHANNEL_KINDS, string="Interaction", required=True,
                            default="activity_done")
    activity_type_id = fields.Many2one(
        "mail.activity.type", string="Activity type", ondelete="cascade",
        help="For activities: only those of this type (empty: every type).")
    meeting_type_id = fields.Many2one(
        "calendar.event.type", string="Meeting tag", ondelete="cascade",
        help="For meetings: only those with this tag, e.g. a prospecting visit (empty: "
        "every meeting a department organises).")
    category_id = fields.Many2one(
        "cci.mailing.category", string="Counts as", required=True, ondelete="restrict",
        help="The category whose weight the interaction takes in the quotas, and by which "
        "the rules that filter on categories count it.")
    weight = fields.Float(related="category_id.weight", readonly=True)
    active = fields.Boolean(default=True)

    @api.constrains("kind", "activity_type_id", "meeting_type_id")
    def _check_kind_filters(self):
        for channel in self:
            if channel.activity_type_id and channel.kind != "activity_done":
                raise ValidationError(_("Only an activity has an activity type: leave it "
                                        "empty for %s.") % channel.name)
            if channel.meeting_type_id and channel.kind != "meeting":
                raise ValidationError(_("Only a meeting has a meeting tag: leave it empty "
                                        "for %s.") % channel.name)

    @api.model
    def create(self, vals):
        return self._cci_counting_history(super().create(vals))

    @api.multi
    def write(self, vals):
        return self._cci_counting_history(super().write(vals))

    @api.model
    def _cci_category_of(self, kind, activity_type=None, meeting_tags=None):
        """The category a new interaction of ``kind`` (of that activity type, with those
        meeting tags) would count as, chosen as the ledger's rows are: an empty one when no
        channel counts it."""
        self.env.cr.execute(render(self.env.cr, CATEGORY_OF), {
            "kind": kind, "activity_type": activity_type.id if activity_type else None,
            "tags": meeting_tags.ids if meeting_tags else []})
        row = self.env.cr.fetchone()
        return self.env["cci.mailing.category"].browse(row[0] if row else [])

    @api.model
    def _cci_counting_history(self, result):
        """A channel added or changed counts the history not counted yet."""
        self._cci_stamp()
        return result

    @api.model
    def _cci_stamp(self, scope=None, params=None):
        """Give the rows of the ledger that ``scope`` (SQL on ``row_``; all if None) selects
        and that a channel counts their category, in one statement; refresh the figures of
        their partners. Returns their ids. Rows already counted keep their category."""
        self.env.cr.execute(render(self.env.cr, STAMP.format(scope=sql.SQL(scope or "TRUE"))),
                            params or {})
        partner_ids = list({p for row in self.env.cr.fetchall() for p in row if p})
        if partner_ids:
            self.env["cci.interaction"].invalidate_cache(["cci_category_id",
                                                          "is_solicitation"])
            if not self.env.context.get("cci_refresh_later"):
                self.env["res.partner"]._cci_interactions_changed(partner_ids)
        return partner_ids
