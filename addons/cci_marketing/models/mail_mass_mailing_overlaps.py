import logging
from datetime import timedelta

from psycopg2 import sql

from odoo import fields, models
from odoo.exceptions import UserError

from ..odoo11 import MAILING_MODEL
from ..tools import render
from .mail_mass_mailing import SENT_STATES

_logger = logging.getLogger(__name__)

# Who a sent mailing reached, as the ledger recorded it: (partner, address).
SENT_TO = """
    SELECT partner_id, email FROM cci_interaction
     WHERE mass_mailing_id = %s AND kind = 'mailing_sent'
"""
# Who a mailing to another model reaches: the contact of each recipient, else its address.
RECIPIENTS_OF = "SELECT partner_id, email FROM (%s) recipients (res_id, partner_id, email)"
# The overlaps of {mine} with {theirs} (mailing_id, partner, address), in one statement:
# how many each shares, the shared partners and addresses. A recipient is its partner, or
# its address when it has none; partners are matched as integers, addresses apart.
OVERLAPS = sql.SQL("""
    WITH mine AS MATERIALIZED (
        SELECT DISTINCT p, CASE WHEN p IS NULL THEN e END AS e FROM ({mine}) audience (p, e)
         WHERE p IS NOT NULL OR e IS NOT NULL
    ),
    theirs AS MATERIALIZED (
        SELECT DISTINCT mailing_id, p, CASE WHEN p IS NULL THEN e END AS e
          FROM ({theirs}) audience
         WHERE p IS NOT NULL OR e IS NOT NULL
    ),
    shared AS (
        SELECT theirs.mailing_id, mine.p, NULL::varchar AS e
          FROM theirs JOIN mine ON mine.p = theirs.p
        UNION ALL
        SELECT theirs.mailing_id, NULL::integer, mine.e
          FROM theirs JOIN mine ON mine.e = theirs.e
    )
    SELECT mailing_id, count(*),
           COALESCE(array_agg(p ORDER BY p) FILTER (WHERE p IS NOT NULL), '{{}}'),
           COALESCE(array_agg(e ORDER BY e) FILTER (WHERE p IS NULL), '{{}}')
      FROM shared
     GROUP BY mailing_id
""")
THEIRS = sql.SQL("SELECT {id} AS mailing_id, p, e FROM ({audience}) audience (p, e)")


class MailMassMailing(models.Model):
    """The other mailings planned within a few days that reach some of the same contacts,
    counted by PostgreSQL in one statement whatever the size of the audiences."""

    _inherit = MAILING_MODEL

    def _cci_overlaps(self):
        self.ensure_one()
        mailing = self.sudo()
        days = timedelta(days=self._cci_overlap_days())
        ref = fields.Datetime.from_string(mailing.cci_planning_date or fields.Datetime.now())
        others = mailing.search([
            ("id", "!=", mailing.id),
            ("cci_moderation_state", "in", ("submitted", "approved")),
            ("cci_planning_date", ">=", fields.Datetime.to_string(ref - days)),
            ("cci_planning_date", "<=", fields.Datetime.to_string(ref + days)),
        ], order="cci_planning_date", limit=50)
        mine = mailing._cci_audience_sql() if others else None
        theirs = [(other, other._cci_audience_sql()) for other in others]
        theirs = [THEIRS.format(id=sql.Literal(other.id), audience=sql.SQL(audience))
                  for other, audience in theirs if audience]
        if not mine or not theirs:
            return []
        cr = self.env.cr
        cr.execute(render(cr, OVERLAPS.format(mine=sql.SQL(mine),
                                              theirs=sql.SQL(" UNION ALL ").join(theirs))))
        shared = {row[0]: row[1:] for row in cr.fetchall()}
        return [{
            "id": other.id,
            "name": other.name,
            "department": other.cci_department_id.name or False,
            "date": other.cci_planning_date or False,
            "moderation_state": other.cci_moderation_state,
            "shared": shared[other.id][0],
            "shared_partner_ids": shared[other.id][1],
            "shared_emails": shared[other.id][2],
        } for other in others if other.id in shared]

    def _cci_audience_sql(self):
        """The SQL (values inlined) of whom this mailing reaches, as rows (partner,
        address): once sent, as the ledger recorded it; before, whom its filter selects
        today. None when its filter cannot be read (its submission says why)."""
        self.ensure_one()
        cr = self.env.cr
        if self.state in SENT_STATES:
            return cr.mogrify(SENT_TO, (self.id,)).decode()
        mailing = self.sudo()
        model = mailing.mailing_model_real
        if not mailing.mailing_domain or model not in self.env:
            return None
        try:
            from_clause, where_clause, params = mailing._cci_domain_sql()
        except UserError:
            _logger.info("Mailing %s: its recipients domain cannot be evaluated", mailing.id)
            return None
        ids = cr.mogrify('SELECT "%s".id FROM %s WHERE %s' % (
            self.env[model]._table, from_clause, where_clause or "TRUE"), params).decode()
        if model == "res.partner":
            return "SELECT partners.id, NULL::varchar FROM (%s) partners" % ids
        return RECIPIENTS_OF % mailing._cci_recipients_sql(
            sql.SQL("recipient.id IN ({})").format(sql.SQL(ids)))
