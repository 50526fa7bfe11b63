import logging

from psycopg2 import sql

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..odoo11 import (
    CONTACT_MODEL,
    CONTACT_TABLE,
    MAILING_MODEL,
    TRACE_MAILING_COLUMN,
    TRACE_MODEL,
    TRACE_TABLE,
)
from ..tools import render

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
EMAIL_OF = sql.SQL("lower(substring({address}, '([^ ,;<@]+@[^> ,;]+)'))")

# When several active contacts share an address, the oldest one stands for it everywhere:
# on the timeline, among a mailing's recipients, behind a mailing contact.
PARTNER_BY_EMAIL = sql.SQL("""(
    SELECT partner.id FROM res_partner partner
     WHERE partner.active AND {partner_email} = {email}{unless}
     ORDER BY partner.id LIMIT 1)""")

# The first active department of a user: the department of facts a user brings about.
USER_DEPARTMENT = sql.SQL("""(
    SELECT min(membership.department_id) FROM cci_department_res_users_rel membership
      JOIN cci_department department
        ON department.id = membership.department_id AND department.active
     WHERE membership.user_id = {user})""")


def column_sql(column):
    """``'alias.column'`` (or ``'column'``) as an ``sql.Identifier``; SQL pieces as they
    are."""
    if isinstance(column, str):
        return sql.Identifier(*column.split("."))
    return column


def email_sql(column):
    """SQL: the normalized address of ``column`` (a column name or an SQL piece)."""
    return EMAIL_OF.format(address=column_sql(column))


def partner_by_email_sql(email, unless=None):
    """SQL: the oldest active partner whose address is ``email`` (an SQL expression of a
    normalized address), else NULL. A scalar subquery: inside COALESCE(partner, ...) it
    runs only for the rows that have no partner. As a LATERAL join, ``unless`` (the SQL
    of the partner already known) makes it run only where that one is NULL."""
    return PARTNER_BY_EMAIL.format(
        partner_email=email_sql("partner.email"), email=email,
        unless=sql.SQL(" AND {} IS NULL").format(column_sql(unless)) if unless
        else sql.SQL(""))


def user_department_sql(user_column):
    """SQL: the first active department of the user in ``user_column``."""
    return USER_DEPARTMENT.format(user=column_sql(user_column))


def ids_sql(alias, ids):
    """(SQL condition, params) of a capture: the rows of ``alias`` with these ids, or all
    of them when ``ids`` is None."""
    if ids is None:
        return sql.SQL("TRUE"), {}
    return sql.SQL("{} = ANY(%(ids)s::int[])").format(sql.Identifier(alias, "id")), {
        "ids": list(ids)}


# The secondary indexes of the ledger and the indexes of the address lookups:
# (name, table, definition).
INDEXES = (
    ("cci_interaction_partner_date_idx", "cci_interaction",
     sql.SQL("(partner_id, date DESC, id DESC)")),
    ("cci_interaction_company_date_idx", "cci_interaction",
     sql.SQL("(commercial_partner_id, date DESC, id DESC)")),
    ("cci_interaction_mailing_kind_idx", "cci_interaction",
     sql.SQL("(mass_mailing_id, kind)")),
    ("cci_interaction_orphan_email_idx", "cci_interaction",
     sql.SQL("(email) WHERE partner_id IS NULL")),
    ("cci_res_partner_email_idx", "res_partner",
     sql.SQL("(({}))").format(email_sql("email"))),
    ("cci_mass_mailing_contact_email_idx", CONTACT_TABLE,
     sql.SQL("(({}))").format(email_sql("email"))),
    # Odoo 11 reads a mailing's tracking by mailing (its statistics, on every form and card
    # of a mailing) without an index: a scan of all the tracking rows each time
    ("cci_mail_statistics_mailing_idx", TRACE_TABLE,
     sql.SQL("({})").format(sql.Identifier(TRACE_MAILING_COLUMN))),
)
CREATE_INDEX = sql.SQL("CREATE INDEX IF NOT EXISTS {name} ON {table} {definition}")
# The unique key of facts: what makes every capture idempotent.
CREATE_SOURCE_KEY = (
    "CREATE UNIQUE INDEX IF NOT EXISTS cci_interaction_source_uniq"
    " ON cci_interaction (kind, source_model, source_id, source_sub_id)")

# The facts a capture query selects, with their contact (else the oldest active partner
# with their address) and its company; those already recorded are skipped.
RECORD_FACTS = sql.SQL("""
    WITH inserted AS (
    INSERT INTO cci_interaction (
        date, kind, partner_id, commercial_partner_id, email, department_id,
        user_id, name, res_model, res_id, mass_mailing_id, is_solicitation,
        source_model, source_id, source_sub_id)
    SELECT fact.date, fact.kind, contact.id, contact.commercial_partner_id,
           fact.email, fact.department_id, fact.user_id, fact.name, fact.res_model,
           fact.res_id, fact.mass_mailing_id, COALESCE(fact.is_solicitation, FALSE),
           fact.source_model, fact.source_id, COALESCE(fact.source_sub_id, 0)
      FROM ({facts}) AS fact ({columns})
      LEFT JOIN res_partner contact
        ON contact.id = COALESCE(fact.partner_id, {partner_by_email})
     WHERE fact.date IS NOT NULL
        ON CONFLICT DO NOTHING
    RETURNING partner_id, commercial_partner_id)
    SELECT DISTINCT unnest(ARRAY[partner_id, commercial_partner_id]) FROM inserted
""")


def fact_sql_type(column):
    """The SQL type of a column of ``FACT_COLUMNS``."""
    if column == "date":
        return "timestamp"
    if column == "is_solicitation":
        return "boolean"
    if column.endswith("_id"):
        return "integer"
    return "varchar"


# Facts given as values: one array parameter a column, read back as rows.
GIVEN_FACTS = sql.SQL("SELECT * FROM unnest({arrays})").format(arrays=sql.SQL(", ").join(
    sql.SQL("{}::{}[]").format(sql.Placeholder(column), sql.SQL(fact_sql_type(column)))
    for column in FACT_COLUMNS))

# Rows known only by an address, attached to the oldest active partner (of {scope}) that
# has it.
LINK_ORPHANS = sql.SQL("""
    UPDATE cci_interaction interaction
       SET partner_id = owner.id, commercial_partner_id = owner.commercial_partner_id
      FROM (SELECT DISTINCT ON (address.email) address.email, address.id,
                   address.commercial_partner_id
              FROM (SELECT {email} AS email, partner.id, partner.commercial_partner_id
                      FROM res_partner partner
                     WHERE partner.active AND partner.email IS NOT NULL AND {scope}) address
             WHERE address.email IS NOT NULL
             ORDER BY address.email, address.id) owner
     WHERE interaction.partner_id IS NULL AND interaction.email = owner.email
    RETURNING owner.id
""")

# The secondary indexes of the ledger (not the unique key of facts, not a constraint's).
SECONDARY_INDEXES = """
    SELECT ledger_index.indexname, ledger_index.indexdef FROM pg_indexes ledger_index
     WHERE ledger_index.tablename = 'cci_interaction'
       AND ledger_index.schemaname = current_schema()
       AND NOT EXISTS (SELECT 1 FROM pg_constraint owning
                        WHERE owning.conname = ledger_index.indexname)
       AND ledger_index.indexname <> 'cci_interaction_source_uniq'
"""
DROP_INDEX = sql.SQL("DROP INDEX {name}")
# The ledger's foreign keys (partner, company, department, mailing, user, category).
FOREIGN_KEYS = """
    SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
     WHERE conrelid = 'cci_interaction'::regclass AND contype = 'f' ORDER BY conname
"""
DROP_CONSTRAINT = sql.SQL("ALTER TABLE cci_interaction DROP CONSTRAINT {name}")
ADD_CONSTRAINT = sql.SQL("ALTER TABLE cci_interaction ADD CONSTRAINT {name} {definition}")


class CciInteraction(models.Model):
    """The chamber's single memory: one row per interaction with a contact.

    Rows are written only by the capture points, in SQL, through ``_record_query``; the
    unique key (kind, source_model, source_id, source_sub_id) makes every capture
    idempotent, so live capture, backfill and re-runs never record a fact twice.
    """

    _name = "cci.interaction"
    _inherit = ["cci.history.mixin"]
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
        string="Source sub-record ID", required=True, readonly=True, default=0,
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
        cr.execute(CREATE_SOURCE_KEY)
        for name, table, definition in INDEXES:
            cr.execute(render(cr, CREATE_INDEX.format(
                name=sql.Identifier(name), table=sql.Identifier(table),
                definition=definition)))

    def _compute_kind_icon(self):
        for row in self:
            row.kind_icon = KIND_ICONS.get(row.kind, "fa-circle-o")

    # ------------------------------------------------------------------
    # ORM: the ledger is written by the system only
    # ------------------------------------------------------------------

    @api.model
    def create(self, vals):  # pylint: disable=method-required-super
        raise UserError(_("The timeline is written by the system only: it cannot be edited."))

    def _cci_history_refusal(self, deleting):
        if deleting:
            return _("The timeline is written by the system only: it cannot be deleted.")
        return _("The timeline is written by the system only: it cannot be edited.")

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
        if isinstance(query, str):
            query = sql.SQL(query)
        cr = self.env.cr
        cr.execute(render(cr, RECORD_FACTS.format(
            facts=query, columns=sql.SQL(", ").join(map(sql.Identifier, FACT_COLUMNS)),
            partner_by_email=partner_by_email_sql(sql.Identifier("fact", "email")))),
            dict(params or {}))
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
        params = {column: [] for column in FACT_COLUMNS}
        for fact in facts:
            for column in FACT_COLUMNS:
                value = fact.get(column)
                if column == "email" and value:
                    value = value.strip().lower()
                params[column].append(value)
        return self._record_query(GIVEN_FACTS, params)

    @api.model
    def _capture_sources(self):
        """The models that feed the ledger; each has ``_cci_capture(ids=None)``, which
        records the facts of these records of the model (all of them when None)."""
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
        deferred = self._backfill_defer_checks()
        for model in self._capture_sources():
            found = env[model]._cci_capture()
            _logger.info("cci.interaction backfill from %s: %d contacts", model, len(found))
        for statement in deferred:
            self.env.cr.execute(statement)
        env["cci.interaction"]._link_orphans()
        self.env["res.partner"]._cci_refresh_tracking_fields(None)
        return True

    @api.model
    def _backfill_defer_checks(self):
        """Into an empty ledger (an installation), millions of rows go faster without the
        secondary indexes, built again afterwards in one sorted pass each (a third less
        time at a million rows), and without the foreign keys, which check each row with a
        lookup and a lock of the partner, mailing, department and user it names (half the
        time of the backfill), added again afterwards with one check of the whole table.
        The primary key and the unique key of facts stay; everything happens in the
        installation's transaction. Returns the statements that put them back."""
        cr = self.env.cr
        cr.execute("SELECT EXISTS (SELECT 1 FROM cci_interaction)")
        if cr.fetchone()[0]:
            return []
        cr.execute(SECONDARY_INDEXES)
        indexes = cr.fetchall()
        for name, _definition in indexes:
            cr.execute(render(cr, DROP_INDEX.format(name=sql.Identifier(name))))
        cr.execute(FOREIGN_KEYS)
        keys = cr.fetchall()
        for name, _definition in keys:
            cr.execute(render(cr, DROP_CONSTRAINT.format(name=sql.Identifier(name))))
        return [definition for _name, definition in indexes] + [
            render(cr, ADD_CONSTRAINT.format(name=sql.Identifier(name),
                                             definition=sql.SQL(definition)))
            for name, definition in keys]

    @api.model
    def _link_orphans(self, partner_ids=None):
        """Attach rows known only by e-mail to the contact that now has that address.

        When several contacts share the address, the oldest one gets the rows, as in
        ``_record_query``.
        """
        scope, params = ids_sql("partner", partner_ids or None)
        self.env.cr.execute(render(self.env.cr, LINK_ORPHANS.format(
            email=email_sql("partner.email"), scope=scope)), params)
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

