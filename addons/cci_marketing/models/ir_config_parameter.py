from odoo import _, api, models
from odoo.exceptions import ValidationError


class IrConfigParameter(models.Model):
    """The chamber's settings that take a number: refused when written with anything else,
    and read through ``_cci_number``, for a value that got in another way too (SQL, an
    older version)."""

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
    def _cci_as_number(self, key, value):
        """The number ``value`` holds, of the kind the setting ``key`` takes, or None
        (also for no value: get_param gives False, which int() would take for 0)."""
        if value is None or isinstance(value, bool):
            return None
        whole = self._cci_numeric_settings()[key][1]
        try:
            return int(value) if whole else float(value)
        except (TypeError, ValueError):
            return None

    @api.model
    def _cci_parse_number(self, key, value):
        """The number ``value`` holds for the setting ``key``, or None if it holds none
        that the setting takes."""
        number = self._cci_as_number(key, value)
        least = self._cci_numeric_settings()[key][0]
        return number if number is not None and number >= least else None

    @api.model
    def _cci_number(self, key, default):
        """The setting's number; below the least it takes (a value stored before settings
        were checked), that least, as it counted then; no number at all, the default."""
        number = self._cci_as_number(key, self.sudo().get_param(key))
        if number is None:
            return default
        return max(number, self._cci_numeric_settings()[key][0])

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
