from . import cci_moderation_wizard
