odoo.define('cci_marketing.form_buttons', function (require) {
"use strict";

/**
 * The buttons of a form's header and button box carry their name (method or action), as
 * they do from Odoo 12 on: browser tests and tours find "action_cci_submit" whatever the
 * language of its label.
 */
var FormRenderer = require('web.FormRenderer');

function named($button, node) {
    if (node.attrs.name) {
        $button.attr('name', node.attrs.name);
    }
    return $button;
}

FormRenderer.include({
    _renderHeaderButton: function (node) {
        return named(this._super.apply(this, arguments), node);
    },
    _renderStatButton: function (node) {
        return named(this._super.apply(this, arguments), node);
    },
});

});

odoo.define('cci_marketing.form_edit_button', function (require) {
"use strict";

/**
 * A form whose record says the user cannot edit it (a field cci_can_edit, false) shows no
 * Edit button: a department member reading another department's mailing on the planning
 * would get an access error. The right itself is enforced by the server.
 */
var FormController = require('web.FormController');

FormController.include({
    _updateButtons: function () {
        this._super.apply(this, arguments);
        if (this.$buttons && this.handle) {
            var record = this.model.get(this.handle, {raw: true});
            var denied = !!record && record.data && record.data.cci_can_edit === false;
            this.$buttons.find('.o_form_button_edit').toggleClass('o_hidden', denied);
        }
    },
});

});
