from odoo import _, api, models
from odoo.exceptions import ValidationError


class IrConfigParameter(models.Model):
    """The chamber's settings that take a number: refused when written with anything else,
    and read through ``_cci_number``, which falls back to the default for a value that got
    in another way (SQL, an older version)."""

    _inherit = "ir.config_parameter"

    @api.model
    def _cci_numeric_settings(self):
        """{key: (least value, whole number)}; the addons that depend on this one add theirs."""
        return {
            "cci_marketing.overlap_days": (0, True),
            "cci_marketing.audience_growth_percent": (0, True),
            "cci_marketing.over_solicited_30d": (1, True),
            "cci_marketing.figures_full_every_days": (1, True),
        }

    @api.model
    def _cci_parse_number(self, key, value):
        """The number ``value`` holds for the setting ``key``, or None if it holds none
        that the setting takes."""
        least, whole = self._cci_numeric_settings()[key]
        try:
            number = int(value) if whole else float(value)
        except (TypeError, ValueError):
            return None
        return number if number >= least else None

    @api.model
    def _cci_number(self, key, default):
        number = self._cci_parse_number(key, self.sudo().get_param(key))
        return default if number is None else number

    @api.constrains("key", "value")
    def _check_cci_numeric_settings(self):
        settings = self._cci_numeric_settings()
        for param in self.filtered(lambda p: p.key in settings):
            if self._cci_parse_number(param.key, param.value) is None:
                least, whole = settings[param.key]
                message = _("The setting %(key)s takes a whole number of %(least)s or more, "
                            "not '%(value)s'.") if whole else \
                    _("The setting %(key)s takes a number of %(least)s or more (a decimal "
                      "point, not a comma), not '%(value)s'.")
                raise ValidationError(message % {
                    "key": param.key, "least": least, "value": param.value})
