import json
from datetime import timedelta

from psycopg2 import sql

from odoo import api, fields, models

from ..odoo11 import CONTACT_TABLE
from ..tools import render
from .cci_interaction import email_sql

# {"at": moment of the last nightly run, "id": the ledger's highest id then,
#  "previous_id": the one before, "full_at": moment of the last recount of everyone}
WATERMARK_PARAM = "cci_marketing.figures_watermark"
# Set (to any value) by what changes how everyone counts (a quota rule, a category's
# weight): the next nightly run recounts everyone, then clears it.
FULL_REFRESH_PARAM = "cci_marketing.figures_full_refresh"
# Everyone is recounted at least this often all the same, in case a path changed the
# ledger or a partner without telling (a raw SQL import, say).
FULL_EVERY_PARAM = "cci_marketing.figures_full_every_days"
FULL_EVERY_DEFAULT = 7

# The partners whose figures may have changed since the last run: those with new ledger
# rows and their companies (rows are read from the run before the last one, so that a
# transaction that took an id before that run and committed after it is not missed),
# those whose figures are due (see cci_figures_due), those written since (an address, an
# opt-out), and those whose address a mailing contact written since carries.
CHANGED_SINCE = sql.SQL("""
    SELECT unnest(ARRAY[partner_id, commercial_partner_id]) FROM cci_interaction
     WHERE id > %(since_id)s
    UNION
    SELECT unnest(ARRAY[id, commercial_partner_id]) FROM res_partner
     WHERE cci_figures_due <= %(now)s OR write_date >= %(since)s
    UNION
    SELECT partner.id FROM res_partner partner
      JOIN {contact_table} contact ON {partner_email} = {contact_email}
     WHERE contact.write_date >= %(since)s
""").format(contact_table=sql.Identifier(CONTACT_TABLE),
            partner_email=email_sql("partner.email"), contact_email=email_sql("contact.email"))
# A transaction that read "now" before the last run and wrote after it: a margin on the
# write dates, as on the ids.
WRITE_MARGIN = timedelta(hours=1)
# Past this many partners and this share of all of them, a recount of everyone (one pass
# over the ledger) is faster than reaching each one's rows through the indexes (measured:
# 74 % of the partners took 6.9 s against 5.6 s for everyone, 55 % 14.8 s against 15.5 s,
# 33 % 59 s against 104 s; docs/benchmarks.md).
MANY_CHANGED = 5000
MANY_CHANGED_SHARE = 0.6


class ResPartner(models.Model):
    """The nightly refresh of the tracking-derived figures: the work of what changed."""

    _inherit = "res.partner"

    @api.model
    def _cron_cci_refresh_tracking_fields(self):
        """Nightly: windows move even when nothing happens."""
        self._cci_refresh_since_last_run()
        return True

    @api.model
    def _cci_request_full_refresh(self):
        """What changes how everyone counts asks the next nightly run to recount everyone."""
        self.env["ir.config_parameter"].sudo().set_param(FULL_REFRESH_PARAM, "1")

    @api.model
    def _cci_refresh_since_last_run(self, now=None):
        """Recount the partners whose figures may have changed since the last run (everyone
        on the first run, when asked, or once every few days); returns their ids, or None
        for everyone. ``now`` (a datetime string, UTC) is for tests."""
        Param = self.env["ir.config_parameter"].sudo()
        now = now or fields.Datetime.now()
        cr = self.env.cr
        cr.execute("SELECT COALESCE(max(id), 0) FROM cci_interaction")
        top = cr.fetchone()[0]
        mark = self._cci_watermark()
        full = self._cci_full_refresh_due(mark, now)
        ids = self._cci_refresh_incremental(None if full else mark, now)
        mark = {"at": now, "id": top, "previous_id": mark.get("id", top),
                "full_at": now if full else mark["full_at"]}
        Param.set_param(WATERMARK_PARAM, json.dumps(mark))
        if full and Param.get_param(FULL_REFRESH_PARAM):
            Param.set_param(FULL_REFRESH_PARAM, False)
        return ids

    @api.model
    def _cci_watermark(self):
        value = self.env["ir.config_parameter"].sudo().get_param(WATERMARK_PARAM)
        try:
            mark = json.loads(value) if value else {}
        except ValueError:
            return {}
        required = ("at", "id", "previous_id", "full_at")
        return mark if isinstance(mark, dict) and all(k in mark for k in required) else {}

    @api.model
    def _cci_full_refresh_due(self, mark, now):
        Param = self.env["ir.config_parameter"].sudo()
        if not mark or Param.get_param(FULL_REFRESH_PARAM):
            return True
        every = Param._cci_number(FULL_EVERY_PARAM, FULL_EVERY_DEFAULT)
        last_full = fields.Datetime.from_string(mark["full_at"])
        return fields.Datetime.from_string(now) >= last_full + timedelta(days=every)

    @api.model
    def _cci_refresh_incremental(self, mark, now):
        """Recount the partners changed since ``mark`` (everyone if None); returns their
        ids, or None for everyone."""
        if mark is None:
            self._cci_refresh_tracking_fields(None, now=now)
            return None
        ids = self._cci_changed_since(mark, now)
        if len(ids) > MANY_CHANGED:
            self.env.cr.execute("SELECT count(*) FROM res_partner")
            if len(ids) > MANY_CHANGED_SHARE * self.env.cr.fetchone()[0]:
                self._cci_refresh_tracking_fields(None, now=now)
                return None
        self._cci_refresh_tracking_fields(ids, now=now)
        return ids

    @api.model
    def _cci_changed_since(self, mark, now):
        since = fields.Datetime.from_string(mark["at"]) - WRITE_MARGIN
        self.env.cr.execute(render(self.env.cr, CHANGED_SINCE), {
            "since_id": mark["previous_id"], "now": now,
            "since": fields.Datetime.to_string(since)})
        return sorted(r[0] for r in self.env.cr.fetchall() if r[0])
