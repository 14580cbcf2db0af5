/* The person picker: suggestions as you type, from /people/search.
 *
 * Without this script the box is a plain text field and the server finds the person from
 * the name or username typed. With it, the box's <datalist> is filled with the people the
 * signed-in person may see. A box for several people (data-multiple) takes names separated
 * by ";" and suggests for the last one. No libraries, nothing from other sites.
 */
(function () {
  "use strict";
  if (window.esafetyPersonPicker) {
    return; // one copy of the script per page is enough, however many pickers it has
  }
  window.esafetyPersonPicker = true;

  var SEPARATORS = /[;,\n\r]/;

  function lastSeparator(text) {
    for (var i = text.length - 1; i >= 0; i -= 1) {
      if (SEPARATORS.test(text.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  function parts(input) {
    // [what stays as it is, what is being typed now]
    var text = input.value;
    if (!input.hasAttribute("data-multiple")) {
      return ["", text];
    }
    var cut = lastSeparator(text);
    var head = cut < 0 ? "" : text.slice(0, cut + 1);
    if (head && !/\s$/.test(head)) {
      head += " ";
    }
    return [head, text.slice(cut + 1)];
  }

  function fill(list, head, results) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    results.forEach(function (person) {
      var option = document.createElement("option");
      option.value = head + person.value;
      option.label = person.hint;
      option.textContent = person.hint;
      list.appendChild(option);
    });
  }

  function attach(input) {
    var list = input.list || document.getElementById(input.getAttribute("list"));
    if (!list || input.dataset.pickerReady) {
      return;
    }
    input.dataset.pickerReady = "1";
    var url = input.getAttribute("data-person-picker");
    var least = parseInt(input.getAttribute("data-min-query") || "2", 10);
    var timer = null;
    var asked = 0;

    function chosen() {
      for (var i = 0; i < list.options.length; i += 1) {
        if (list.options[i].value === input.value) {
          return true;
        }
      }
      return false;
    }

    function ask() {
      var split = parts(input);
      var query = split[1].trim();
      if (query.length < least) {
        fill(list, split[0], []);
        return;
      }
      asked += 1;
      var mine = asked;
      var sep = url.indexOf("?") < 0 ? "?" : "&";
      fetch(url + sep + "q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        return type.indexOf("application/json") === 0 ? response.json() : { results: [] };
      }).then(function (answer) {
        if (mine === asked) {
          fill(list, split[0], answer.results || []);
        }
      }).catch(function () {
        /* no suggestions: the box still works as a plain text field */
      });
    }

    input.addEventListener("input", function () {
      if (chosen()) {
        if (input.hasAttribute("data-multiple")) {
          input.value += "; "; // ready for the next person
          fill(list, input.value, []);
        }
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 200);
    });
  }

  function start() {
    var inputs = document.querySelectorAll("input[data-person-picker]");
    for (var i = 0; i < inputs.length; i += 1) {
      attach(inputs[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
