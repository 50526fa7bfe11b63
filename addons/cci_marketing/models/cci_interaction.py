import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..odoo11 import CONTACT_MODEL, CONTACT_TABLE, MAILING_MODEL, TRACE_MODEL

_logger = logging.getLogger(__name__)

KINDS = [
    ("mailing_sent", "Mailing received"),
    ("mailing_opened", "Mailing opened"),
    ("mailing_clicked", "Link clicked"),
    ("mailing_replied", "Mailing answered"),
    ("mailing_bounced", "Mailing bounced"),
    ("mailing_excluded", "Mailing held back"),
    ("survey_answered", "Survey answered"),
    ("event_registered", "Event registration"),
    ("meeting", "Meeting"),
    ("lead", "Lead / opportunity"),
    ("activity_done", "Activity done"),
    ("unsubscribed", "Unsubscribed"),
    ("preference_changed", "Preferences changed"),
    ("mailing_complained", "Complaint (spam report)"),
]

# Font Awesome icon of each kind, for the kanban and the partner's timeline.
KIND_ICONS = {
    "mailing_sent": "fa-envelope-o",
    "mailing_opened": "fa-envelope-open-o",
    "mailing_clicked": "fa-mouse-pointer",
    "mailing_replied": "fa-reply",
    "mailing_bounced": "fa-exclamation-triangle",
    "mailing_excluded": "fa-ban",
    "survey_answered": "fa-check-square-o",
    "event_registered": "fa-ticket",
    "meeting": "fa-calendar",
    "lead": "fa-star",
    "activity_done": "fa-check",
    "unsubscribed": "fa-user-times",
    "preference_changed": "fa-sliders",
    "mailing_complained": "fa-flag",
}

# Columns a capture query must return, in this order (see _record_query).
FACT_COLUMNS = (
    "date",
    "kind",
    "partner_id",
    "email",
    "department_id",
    "user_id",
    "name",
    "res_model",
    "res_id",
    "mass_mailing_id",
    "is_solicitation",
    "source_model",
    "source_id",
    "source_sub_id",
)

# The first e-mail address of a free-text field, lower-cased: the same heuristic Odoo's
# mass mailing uses for its blacklist, so that both agree on what "the same address" is.
EMAIL_SQL = "lower(substring(%s, '([^ ,;<@]+@[^> ,;]+)'))"


def email_sql(column):
    return EMAIL_SQL % column


# When several active contacts share an address, the oldest one stands for it everywhere:
# on the timeline, among a mailing's recipients, behind a mailing contact.
PARTNER_BY_EMAIL_SQL = """(
    SELECT partner.id FROM res_partner partner
     WHERE partner.active AND {partner_email} = {email}{unless}
     ORDER BY partner.id LIMIT 1)"""


def partner_by_email_sql(email, unless=None):
    """SQL: the oldest active partner whose address is ``email`` (an SQL expression of a
    normalized address), else NULL. A scalar subquery: inside COALESCE(partner, ...) it
    runs only for the rows that have no partner. As a LATERAL join, ``unless`` (the SQL
    of the partner already known) makes it run only where that one is NULL."""
    return PARTNER_BY_EMAIL_SQL.format(
        partner_email=email_sql("partner.email"), email=email,
        unless=" AND %s IS NULL" % unless if unless else "")


class CciInteraction(models.Model):
    """The chamber's single memory: one row per interaction with a contact.

    Rows are written only by the capture points, in SQL, through ``_record_query``; the
    unique key (kind, source_model, source_id, source_sub_id) makes every capture
    idempotent, so live capture, backfill and re-runs never record a fact twice.
    """

    _name = "cci.interaction"
    _description = "Interaction with a contact"
    _order = "date desc, id desc"
    _rec_name = "name"
    # Written by the system only, dated by ``date``: no create/write stamps, which also
    # spares two foreign-key checks per row when millions are backfilled.
    _log_access = False

    date = fields.Datetime(required=True, readonly=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Contact", readonly=True, ondelete="set null"
    )
    commercial_partner_id = fields.Many2one(
        "res.partner", string="Company", readonly=True, ondelete="set null"
    )
    email = fields.Char(readonly=True)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    department_id = fields.Many2one("cci.department", readonly=True, ondelete="set null")
    user_id = fields.Many2one("res.users", readonly=True, ondelete="set null")
    name = fields.Char(string="Summary", readonly=True)
    res_model = fields.Char(string="Document model", readonly=True)
    res_id = fields.Integer(string="Document", readonly=True)
    mass_mailing_id = fields.Many2one(
        MAILING_MODEL, string="Mailing", readonly=True, ondelete="set null"
    )
    is_solicitation = fields.Boolean(
        string="Solicitation",
        readonly=True,
        help="The chamber reached out to the contact: it counts as marketing pressure.",
    )
    # The unique key of a fact. NOT NULL on purpose: PostgreSQL treats NULLs as distinct,
    # so a NULL here would let the same fact in twice.
    source_model = fields.Char(
        string="Source model", required=True, readonly=True,
        help="Technical: the model of the record the fact comes from.",
    )
    source_id = fields.Integer(
        string="Source record ID", required=True, readonly=True,
        help="Technical: the id of the record the fact comes from.",
    )
    source_sub_id = fields.Integer(
        string="Source sub-record ID",
        required=True,
        readonly=True,
        default=0,
        help="Technical: the attendee or recipient, when one source concerns several "
        "contacts (0 otherwise).",
    )

    kind_icon = fields.Char(
        string="Kind icon", compute="_compute_kind_icon",
        help="The Font Awesome icon of the kind, on the cards and the timeline.",
    )

    @api.model_cr
    def init(self):
        cr = self.env.cr
        for name, definition in (
            (
                "cci_interaction_source_uniq",
                "UNIQUE INDEX %s ON cci_interaction (kind, source_model, source_id, source_sub_id)",
            ),
            ("cci_interaction_partner_date_idx",
             "INDEX %s ON cci_interaction (partner_id, date DESC, id DESC)"),
            ("cci_interaction_company_date_idx",
             "INDEX %s ON cci_interaction (commercial_partner_id, date DESC, id DESC)"),
            ("cci_interaction_mailing_kind_idx",
             "INDEX %s ON cci_interaction (mass_mailing_id, kind)"),
            ("cci_interaction_orphan_email_idx",
             "INDEX %s ON cci_interaction (email) WHERE partner_id IS NULL"),
            ("cci_res_partner_email_idx",
             "INDEX %s ON res_partner ((" + email_sql("email") + "))"),
            ("cci_mass_mailing_contact_email_idx",
             "INDEX %s ON " + CONTACT_TABLE + " ((" + email_sql("email") + "))"),
        ):
            cr.execute("CREATE %s" % (definition.replace("INDEX %s", "INDEX IF NOT EXISTS %s")
                                      % name))

    def _compute_kind_icon(self):
        for row in self:
            row.kind_icon = KIND_ICONS.get(row.kind, "fa-circle-o")

    # ------------------------------------------------------------------
    # ORM: the ledger is written by the system only
    # ------------------------------------------------------------------

    @api.model
    def create(self, vals):  # pylint: disable=method-required-super
        raise UserError(_("The timeline is written by the system only: it cannot be edited."))

    @api.multi
    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(_("The timeline is written by the system only: it cannot be edited."))

    @api.multi
    def unlink(self):  # pylint: disable=method-required-super
        raise UserError(_("The timeline is written by the system only: it cannot be deleted."))

    # ------------------------------------------------------------------
    # The one write API
    # ------------------------------------------------------------------

    @api.model
    def _record_query(self, query, params=None):
        """Record the facts that ``query`` selects (columns: ``FACT_COLUMNS``, in order).

        The contact is taken from the query, else found by normalized e-mail; the company
        is the contact's commercial partner. Facts already recorded are skipped. Returns the
        ids of the contacts that got new rows.

        With ``cci_capture_deferred`` in the context nothing is recorded: whoever sets it
        calls ``_backfill()`` afterwards (the demo generator does, after dating its records).
        With ``cci_refresh_pending`` (a sending batch), the contacts' figures are refreshed
        by the batch when it ends; with ``cci_refresh_later`` (the backfill), by the caller.
        """
        if self.env.context.get("cci_capture_deferred"):
            return []
        cr = self.env.cr
        cr.execute(
            """
            WITH inserted AS (
            INSERT INTO cci_interaction (
                date, kind, partner_id, commercial_partner_id, email, department_id,
                user_id, name, res_model, res_id, mass_mailing_id, is_solicitation,
                source_model, source_id, source_sub_id)
            SELECT fact.date, fact.kind, contact.id, contact.commercial_partner_id,
                   fact.email, fact.department_id, fact.user_id, fact.name, fact.res_model,
                   fact.res_id, fact.mass_mailing_id, COALESCE(fact.is_solicitation, FALSE),
                   fact.source_model, fact.source_id, COALESCE(fact.source_sub_id, 0)
              FROM (%s) AS fact (%s)
              LEFT JOIN res_partner contact
                ON contact.id = COALESCE(fact.partner_id, %s)
             WHERE fact.date IS NOT NULL
                ON CONFLICT DO NOTHING
            RETURNING partner_id, commercial_partner_id)
            SELECT DISTINCT unnest(ARRAY[partner_id, commercial_partner_id]) FROM inserted
            """
            % (query, ", ".join(FACT_COLUMNS), partner_by_email_sql("fact.email")),
            dict(params or {}),
        )
        partner_ids = {row[0] for row in cr.fetchall() if row[0]}
        pending = self.env.context.get("cci_refresh_pending")
        if pending is not None:
            pending.partner_ids |= partner_ids  # refreshed at the end of the sending batch
        elif partner_ids and not self.env.context.get("cci_refresh_later"):
            self.env["res.partner"]._cci_interactions_changed(list(partner_ids))
        return list(partner_ids)

    @api.model
    def _record(self, facts):
        """Record facts given as dicts (keys from ``FACT_COLUMNS``); see ``_record_query``."""
        if not facts:
            return []
        placeholders, params = [], {}
        for i, fact in enumerate(facts):
            cells = []
            for col in FACT_COLUMNS:
                key = "%s_%d" % (col, i)
                value = fact.get(col)
                if col == "email" and value:
                    value = value.strip().lower()
                params[key] = value if value is not None else None
                cells.append("%%(%s)s::%s" % (key, self._fact_sql_type(col)))
            placeholders.append("(%s)" % ", ".join(cells))
        return self._record_query("VALUES %s" % ", ".join(placeholders), params)

    @staticmethod
    def _fact_sql_type(column):
        if column == "date":
            return "timestamp"
        if column == "is_solicitation":
            return "boolean"
        if column.endswith("_id"):
            return "integer"
        return "varchar"

    @api.model
    def _capture_sources(self):
        """The models that feed the ledger; each has ``_cci_capture(where, params)``."""
        return [
            TRACE_MODEL,
            "survey.user_input",
            "event.registration",
            "calendar.event",
            "crm.lead",
            "mail.message",
        ]

    @api.model
    def _backfill(self):
        """Record every fact the database already holds (set-based, one query a source),
        then refresh the derived fields of every partner. Safe to run again: the unique
        key skips what is already recorded."""
        env = self.with_context(cci_capture_deferred=False, cci_refresh_later=True).env
        env[CONTACT_MODEL]._cci_link_partners()
        deferred_indexes = self._backfill_defer_indexes()
        for model in self._capture_sources():
            found = env[model]._cci_capture("TRUE")
            _logger.info("cci.interaction backfill from %s: %d contacts", model, len(found))
        for definition in deferred_indexes:
            self.env.cr.execute(definition)
        env["cci.interaction"]._link_orphans()
        self.env["res.partner"]._cci_refresh_tracking_fields(None)
        return True

    @api.model
    def _backfill_defer_indexes(self):
        """Into an empty ledger (an installation), millions of rows go faster without the
        secondary indexes, built again afterwards in one sorted pass each (a third less
        time at a million rows). The primary key and the unique key of facts stay.
        Returns the definitions to run again."""
        cr = self.env.cr
        cr.execute("SELECT EXISTS (SELECT 1 FROM cci_interaction)")
        if cr.fetchone()[0]:
            return []
        cr.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
             WHERE i.tablename = 'cci_interaction' AND i.schemaname = current_schema()
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                                WHERE c.conname = i.indexname)
               AND i.indexname <> 'cci_interaction_source_uniq'
            """
        )
        indexes = cr.fetchall()
        for name, _definition in indexes:
            cr.execute('DROP INDEX "%s"' % name)
        return [definition for _name, definition in indexes]

    @api.model
    def _link_orphans(self, partner_ids=None):
        """Attach rows known only by e-mail to the contact that now has that address.

        When several contacts share the address, the oldest one gets the rows, as in
        ``_record_query``.
        """
        where = "TRUE"
        params = {}
        if partner_ids:
            where = "rp.id IN %(ids)s"
            params["ids"] = tuple(partner_ids)
        self.env.cr.execute(
            """
            UPDATE cci_interaction i
               SET partner_id = m.id, commercial_partner_id = m.commercial_partner_id
              FROM (SELECT DISTINCT ON (e.email) e.email, e.id, e.commercial_partner_id
                      FROM (SELECT {email} AS email, rp.id, rp.commercial_partner_id
                              FROM res_partner rp
                             WHERE rp.active AND rp.email IS NOT NULL AND {where}) e
                     WHERE e.email IS NOT NULL
                     ORDER BY e.email, e.id) m
             WHERE i.partner_id IS NULL AND i.email = m.email
            RETURNING m.id
            """.format(email=email_sql("rp.email"), where=where),
            params,
        )
        linked = list({r[0] for r in self.env.cr.fetchall()})
        if linked:
            self.invalidate_cache(["partner_id", "commercial_partner_id"])
        if linked and not self.env.context.get("cci_refresh_later"):
            self.env["res.partner"]._cci_interactions_changed(linked)
        return linked

    # ------------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------------

    @api.multi
    def action_open_document(self):
        self.ensure_one()
        if not self.res_model or self.res_model not in self.env or not self.res_id:
            raise UserError(_("This interaction has no document to open."))
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "target": "current",
        }


def user_department_sql(user_column):
    """The first active department of a user: the department of facts a user brings about."""
    return (
        "(SELECT min(r.department_id) FROM cci_department_res_users_rel r"
        " JOIN cci_department d ON d.id = r.department_id AND d.active"
        " WHERE r.user_id = %s)" % user_column
    )

