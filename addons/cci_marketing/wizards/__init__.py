from . import cci_moderation_wizard
from . import cci_followup_wizard
