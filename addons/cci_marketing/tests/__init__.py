from . import test_interaction_capture
from . import test_timeline
from . import test_partner_tracking_fields
from . import test_hygiene
from . import test_moderation
from . import test_moderation_rights
from . import test_followup
from . import test_bad_input
