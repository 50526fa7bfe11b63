{
    "name": "CCI Marketing: one memory, one planning",
    "summary": "Chamber-wide interaction timeline and moderated planning of mass mailings",
    "version": "11.0.1.0.0",
    "category": "Marketing",
    "author": "CCI Marketing developers",
    "license": "LGPL-3",
    "depends": [
        "mass_mailing",
        "crm",
        "survey",
        "calendar",
        "event",
        "contacts",
    ],
    "data": [
        "security/cci_marketing_security.xml",
        "security/ir.model.access.csv",
        "views/cci_marketing_menus.xml",
        "views/cci_department_views.xml",
        "views/res_users_views.xml",
        "views/cci_interaction_views.xml",
    ],
    "demo": [
        "demo/ir_mail_server_demo.xml",
        "demo/cci_department_demo.xml",
    ],
    "post_init_hook": "post_init_hook",
}
