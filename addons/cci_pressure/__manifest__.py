{
    "name": "CCI Pressure: solicitation quotas",
    "summary": "Weighted quotas on the mailings each contact and company receives, checked "
               "when planning and enforced when sending",
    "version": "11.0.1.0.0",
    "category": "Marketing",
    "author": "CCI Marketing developers",
    "license": "LGPL-3",
    "depends": [
        "cci_marketing",
    ],
    "data": [
        "security/ir.model.access.csv",
        "data/cci_mailing_category_data.xml",
        "data/cci_pressure_rule_data.xml",
        "views/cci_mailing_category_views.xml",
        "views/cci_pressure_rule_views.xml",
        "wizards/cci_moderation_wizard_views.xml",
        "views/cci_solicitation_channel_views.xml",
        "views/cci_pressure_assets.xml",
        "views/mail_mass_mailing_views.xml",
        "views/res_partner_views.xml",
        "views/cci_pressure_report_views.xml",
        "views/cci_preference_page_templates.xml",
        "views/cci_pressure_advice_views.xml",
    ],
    "demo": [
        "demo/cci_solicitation_channel_demo.xml",
        "demo/cci_pressure_demo.xml",
    ],
    "post_init_hook": "post_init_hook",
}
