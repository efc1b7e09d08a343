/* Lets a person see the password they are typing (ASVS 2.1.12): a "Show password" button
   after every password field marked data-reveal. Without JavaScript the fields work as usual;
   password managers and pasting are never blocked. Labels come from the page (translated). */
(function () {
  "use strict";

  function addButton(input) {
    var button = document.createElement("button");
    var show = input.getAttribute("data-reveal-show") || "Show password";
    var hide = input.getAttribute("data-reveal-hide") || "Hide password";
    button.type = "button";
    button.className = "button button--quiet";
    button.textContent = show;
    button.setAttribute("aria-controls", input.id);
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      var revealed = input.type === "password";
      input.type = revealed ? "text" : "password";
      button.textContent = revealed ? hide : show;
      button.setAttribute("aria-pressed", revealed ? "true" : "false");
      input.focus();
    });
    // Hide the password again before the form is sent, so no browser stores it as text.
    if (input.form) {
      input.form.addEventListener("submit", function () { input.type = "password"; });
    }
    input.insertAdjacentElement("afterend", button);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var inputs = document.querySelectorAll("input[type=password][data-reveal]");
    for (var i = 0; i < inputs.length; i++) { addButton(inputs[i]); }
  });
})();
