from odoo import SUPERUSER_ID, api


def post_init_hook(cr, registry):
    """Give every partner its pressure level from the history already in the ledger."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["res.partner"]._cci_refresh_pressure(None)
