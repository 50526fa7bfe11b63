from . import cci_moderation_wizard
from . import cci_followup_wizard
from . import mail_mass_mailing_test
from . import cci_held_back
