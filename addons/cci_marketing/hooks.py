from odoo import SUPERUSER_ID, api


def post_init_hook(cr, registry):
    """Fill the ledger once from the history the database already holds (set-based SQL)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["cci.interaction"]._backfill()
