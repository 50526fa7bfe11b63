from odoo import api, models

from .cci_pressure_engine import ONE_PASS_PARAM, WHOLE_WINDOW_PARAM


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.model
    def _cci_numeric_settings(self):
        settings = super()._cci_numeric_settings()
        settings.update({ONE_PASS_PARAM: (0, True), WHOLE_WINDOW_PARAM: (0, False)})
        return settings
