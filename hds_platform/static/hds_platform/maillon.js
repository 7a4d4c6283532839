/* Maillon's few behaviours, as a static file: the Content-Security-Policy allows no inline script
   or event handler. Everything works without JavaScript too (plain links, forms and inputs). */
(function () {
  "use strict";

  function confirmSubmit(event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }

  function onChange(event) {
    var field = event.target;
    if (field.matches("select[data-navigate]") && field.value) {
      window.location = field.value;
    } else if (field.matches("select[data-autosubmit]")) {
      field.form.submit();
    } else if (field.matches("select[data-switch]")) {
      switchFields(field);
    }
  }

  /* Only the field that goes with the chosen value shows: ``data-switch`` on the select,
     ``data-shown-when="<value>"`` on each dependent field's wrapper (all show without JavaScript). */
  function switchFields(select) {
    select.form.querySelectorAll("[data-shown-when]").forEach(function (wrapper) {
      wrapper.hidden = wrapper.dataset.shownWhen !== select.value;
    });
  }

  function switches(root) {
    root.querySelectorAll("select[data-switch]").forEach(switchFields);
  }

  /* A drop on the zone fills the ordinary file input. */
  function dropzones(root) {
    root.querySelectorAll("[data-dropzone]:not([data-ready])").forEach(function (zone) {
      zone.dataset.ready = "1";
      var input = zone.querySelector("input[type=file]"), out = zone.querySelector("[data-dropzone-name]");
      function show() { out.textContent = input.files.length ? input.files[0].name : ""; }
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.remove("dragging"); });
      });
      zone.addEventListener("drop", function (event) {
        if (event.dataTransfer.files.length) { input.files = event.dataTransfer.files; show(); }
      });
      input.addEventListener("change", show);
    });
  }

  /* The chain editor's typeahead: Enter does not submit the link form; a suggested supplier
     fills the ordinary "Actor" select. */
  function typeaheadKeys(event) {
    if (event.key === "Enter" && event.target.matches("[data-typeahead]")) { event.preventDefault(); }
  }

  function pickActor(event) {
    var button = event.target.closest && event.target.closest("[data-pick-actor]");
    if (!button) { return; }
    var form = button.closest("form"), select = form.querySelector("select[name=actor]");
    select.value = button.dataset.pickActor;
    select.dispatchEvent(new Event("change", {bubbles: true}));
    form.querySelector("[data-typeahead]").value = "";
    button.closest("#actor-suggestions").textContent = "";
    select.focus();
  }


  /* Copy buttons stay hidden without JavaScript or a clipboard; the text is selectable anyway. */
  function copyButtons(root) {
    if (!navigator.clipboard) { return; }
    root.querySelectorAll("button[data-copy][hidden]").forEach(function (button) { button.hidden = false; });
  }

  function onClick(event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.dataset.copy);
    if (!source) { return; }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var text = button.firstChild;
      if (!button.dataset.label) { button.dataset.label = text.textContent; }
      text.textContent = button.dataset.copied;
      button.classList.add("copied");
      window.setTimeout(function () { text.textContent = button.dataset.label; button.classList.remove("copied"); }, 2000);
    });
  }

  document.addEventListener("submit", confirmSubmit, true);
  document.addEventListener("click", onClick);
  document.addEventListener("keydown", typeaheadKeys);
  document.addEventListener("click", pickActor);
  document.addEventListener("change", onChange);
  document.addEventListener("DOMContentLoaded", function () {
    dropzones(document); copyButtons(document); switches(document);
  });
  document.addEventListener("htmx:load", function (event) {
    dropzones(event.target); copyButtons(event.target); switches(event.target);
  });
})();
