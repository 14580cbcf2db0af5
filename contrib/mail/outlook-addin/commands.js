/*
 * An EXAMPLE Smart Alerts handler (documentation only; see ../README.md).
 *
 * When the sender presses Send, the draft (subject, words, recipients) is sent to esafety's
 * check API. A draft that would be held or blocked, or that gets a warning, is stopped once
 * with what was found and what to do; the sender can edit it or (SoftBlock) send anyway.
 * If esafety cannot be reached, the message is sent as normal: this never stops anyone
 * sending.
 */
/* global Office */

var ESAFETY_URL = "https://esafety.hollinspark.sch.uk/api/v1/check";
var ESAFETY_TOKEN = "esf_PUT-THE-TOKEN-FROM-THE-CHECK-API-PAGE-HERE";
var STOPPING = { warn: true, hold: true, block: true };
var TIMEOUT_MS = 4000;

function getAsync(getter) {
  return new Promise(function (resolve) {
    getter(function (result) {
      resolve(result.status === Office.AsyncResultStatus.Succeeded ? result.value : null);
    });
  });
}

function addresses(list) {
  return (list || []).map(function (r) { return r.emailAddress; }).filter(Boolean);
}

function summary(answer) {
  var lines = answer.findings
    .filter(function (f) { return STOPPING[f.action]; })
    .slice(0, 3)
    .map(function (f) { return f.title + ": " + f.advice; });
  return ("Before you send: " + lines.join(" ")).slice(0, 500);
}

function onMessageSendHandler(event) {
  var item = Office.context.mailbox.item;
  Promise.all([
    getAsync(function (cb) { item.subject.getAsync(cb); }),
    getAsync(function (cb) { item.body.getAsync(Office.CoercionType.Text, cb); }),
    getAsync(function (cb) { item.to.getAsync(cb); }),
    getAsync(function (cb) { item.cc.getAsync(cb); }),
    getAsync(function (cb) { item.bcc.getAsync(cb); })
  ]).then(function (parts) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    return fetch(ESAFETY_URL, {
      method: "POST",
      signal: controller.signal,
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + ESAFETY_TOKEN },
      body: JSON.stringify({
        subject: parts[0] || "",
        text: parts[1] || "",
        from: Office.context.mailbox.userProfile.emailAddress,
        to: addresses(parts[2]),
        cc: addresses(parts[3]),
        bcc: addresses(parts[4])
      })
    }).then(function (response) {
      clearTimeout(timer);
      return response.ok ? response.json() : null;
    });
  }).then(function (answer) {
    if (answer && STOPPING[answer.verdict]) {
      event.completed({ allowEvent: false, errorMessage: summary(answer) });
    } else {
      event.completed({ allowEvent: true });
    }
  }).catch(function () {
    // esafety unreachable, too slow or refusing: send as normal.
    event.completed({ allowEvent: true });
  });
}

Office.actions.associate("onMessageSendHandler", onMessageSendHandler);
