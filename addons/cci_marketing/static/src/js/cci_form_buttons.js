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
