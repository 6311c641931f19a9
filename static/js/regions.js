// Cascading lists of GB/T 2260 regions (GET /api/regions): province, city, county, township.
// Each .region-picker keeps the deepest code chosen in its hidden input; the server judges whether
// that is precise enough (a county or a township).
(function () {
  "use strict";

  function fetchChildren(parent) {
    var url = "/api/regions" + (parent ? "?parent=" + encodeURIComponent(parent) : "");
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("regions " + r.status); }
      return r.json();
    });
  }

  function setUp(picker) {
    var hidden = picker.querySelector("input[type=hidden]");
    var lists = picker.querySelector(".region-lists");
    var lineage = JSON.parse(picker.getAttribute("data-lineage") || "[]");
    var name = picker.getAttribute("data-name");

    function dropBelow(level) {
      var selects = lists.querySelectorAll("select");
      for (var i = selects.length - 1; i > level; i--) { lists.removeChild(selects[i]); }
    }

    function addList(level, parent, chosen) {
      return fetchChildren(parent).then(function (data) {
        if (!data.items.length) { return null; }
        var select = document.createElement("select");
        select.className = "weui-select region-level";
        select.id = "f-" + name + "-level-" + level;
        select.setAttribute("aria-label", picker.getAttribute("data-label") + " " + (level + 1));
        var blank = document.createElement("option");
        blank.value = "";
        blank.textContent = picker.getAttribute("data-choose") || "";
        select.appendChild(blank);
        data.items.forEach(function (item) {
          var option = document.createElement("option");
          option.value = item.code;
          option.textContent = item.name;
          option.setAttribute("data-leaf", item.leaf ? "1" : "0");
          if (item.code === chosen) { option.selected = true; }
          select.appendChild(option);
        });
        select.addEventListener("change", function () {
          dropBelow(level);
          hidden.value = select.value || (parent || "");
          var picked = select.options[select.selectedIndex];
          if (select.value && picked.getAttribute("data-leaf") === "0") { addList(level + 1, select.value, ""); }
        });
        lists.appendChild(select);
        return select;
      });
    }

    // Open the lists where they were left: each level of the stored code's lineage, then its children.
    var chain = Promise.resolve();
    var parents = [""].concat(lineage.map(function (r) { return r.code; }));
    parents.forEach(function (parent, level) {
      chain = chain.then(function () {
        var chosen = level < lineage.length ? lineage[level].code : "";
        return addList(level, parent, chosen);
      });
    });
    chain.catch(function () {
      picker.querySelector(".region-error").hidden = false;
    });
  }

  var pickers = document.querySelectorAll(".region-picker");
  for (var i = 0; i < pickers.length; i++) { setUp(pickers[i]); }
}());
