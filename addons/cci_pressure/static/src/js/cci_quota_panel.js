odoo.define('cci_pressure.quota_panel', function (require) {
"use strict";

/**
 * The quota panel of a mailing's form arrives after the form: the form's read leaves the
 * check out (its field cci_pressure_pending comes back true), the form shows at once, and
 * this reads the panel's fields (cci_pressure_*) then, with cci_pressure_now in the
 * context, and shows them without touching what the user may be editing.
 */
var core = require('web.core');
var FormController = require('web.FormController');

var _t = core._t;

var PREFIX = 'cci_pressure_';

FormController.include({
    start: function () {
        var self = this;
        return this._super.apply(this, arguments).then(function (result) {
            self._cciFetchQuotaPanel();
            return result;
        });
    },
    _update: function () {
        var self = this;
        return this._super.apply(this, arguments).then(function (result) {
            self._cciFetchQuotaPanel();
            return result;
        });
    },
    _cciFetchQuotaPanel: function () {
        var self = this;
        var handle = this.handle;
        var record = handle && this.model.localData[handle];
        // record.data is a new object each time the record is read again (a save, a reload)
        if (!record || !record.res_id || !record.data.cci_pressure_pending
                || this._cciQuotaPanelFor === record.data) {
            return;
        }
        var data = this._cciQuotaPanelFor = record.data;
        var names = _.filter(_.keys(record.fieldsInfo[record.viewType] || {}), function (name) {
            return name.indexOf(PREFIX) === 0;
        });
        this._rpc({
            model: record.model,
            method: 'read',
            args: [[record.res_id], names],
            context: _.extend({}, record.getContext(), {cci_pressure_now: true}),
        }).then(function (rows) {
            // another record, or this one read again, is shown by now
            if (self.isDestroyed() || self.model.localData[handle] !== record
                    || record.data !== data || !rows.length) {
                return;
            }
            self.model._parseServerData(names, record, rows[0]);
            _.extend(record.data, _.pick(rows[0], names));
            var state = self.model.get(handle);
            return self.renderer.confirmChange(state, state.id, names);
        }, function () {
            // the error itself is shown by the web client; the panel must not keep waiting
            if (self.isDestroyed() || record.data !== data) {
                return;
            }
            self.$('div[name="cci_pressure_pending"] p').text(
                _t("The quota check could not run. Reload the mailing to try again."));
        });
    },
});

});
