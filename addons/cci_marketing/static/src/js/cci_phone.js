odoo.define('cci_marketing.phone', function (require) {
"use strict";

/**
 * Odoo 11 community on a phone (see cci_phone.less):
 * - the left menu is hidden; the top hamburger shows it under the apps, and choosing an
 *   entry (or an app without menus) closes it again;
 * - the apps all stay in that menu (Odoo 11 moves them under "More" after each action);
 * - a list, calendar or graph opened from a menu starts on the action's kanban view when it
 *   has one, as the web client does on phones from Odoo 12 on;
 * - a grouped kanban (one column per tab) opens on the first tab that has cards, not on an
 *   empty first column: the moderator's planning opens on the submitted mailings, not on
 *   the empty "Draft" tab.
 */
var config = require('web.config');
var KanbanRenderer = require('web.KanbanRenderer');
var Menu = require('web.Menu');
var ViewManager = require('web.ViewManager');

var NAVBAR_COLLAPSE = '#oe_main_menu_navbar .navbar-collapse';

$(document).on('show.bs.collapse hide.bs.collapse', NAVBAR_COLLAPSE, function (ev) {
    if (ev.target === ev.currentTarget) {
        $('body').toggleClass('o_cci_menu_open', ev.type === 'show');
    }
});

$(document).on('click', '.o_sub_menu a.oe_menu_leaf, .oe_application_menu_placeholder a[data-menu]',
    function () {
        // runs after Odoo's own handler, which has already shown the app's menus
        var $body = $('body');
        var inSubMenu = $(this).closest('.o_sub_menu').length > 0;
        if ($body.hasClass('o_cci_menu_open') && (inSubMenu || $('.o_sub_menu').hasClass('o_hidden'))) {
            $(NAVBAR_COLLAPSE).collapse('hide');
        }
    });

Menu.include({
    reflow: function (behavior) {
        return this._super(config.device.isMobile ? 'all_outside' : behavior);
    },
});

KanbanRenderer.include({
    /**
     * On the first grouped rendering, starts on the first column that has records. The
     * columns are in the order the renderer makes them: the groups without value first.
     */
    _renderView: function () {
        if (config.device.isMobile && !this._cciColumnChosen && this.state.groupedBy.length
                && this.state.data.length) {
            this._cciColumnChosen = true;
            var columns = [];
            _.each(this.state.data, function (group) {
                if (group.value) {
                    columns.push(group);
                } else {
                    columns.unshift(group);
                }
            });
            var first = _.findIndex(columns, function (group) { return group.count > 0; });
            this.activeColumnIndex = Math.max(first, 0);
        }
        return this._super.apply(this, arguments);
    },
});

ViewManager.include({
    get_default_view: function () {
        var kanban = this.views.kanban;
        if (config.device.isMobile && kanban && !this.flags.default_view) {
            return kanban;
        }
        return this._super.apply(this, arguments);
    },
});

});
