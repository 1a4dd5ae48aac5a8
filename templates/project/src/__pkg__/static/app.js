// Sends the echo form to the JSON API with fetch(). CSRFProtect checks every POST, so the
// token from <meta name="csrf-token"> travels in the X-CSRFToken header.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("echo-form");
  const result = document.getElementById("echo-result");
  if (!form || !result) return;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = document.querySelector('meta[name="csrf-token"]').content;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": token,
        },
        body: JSON.stringify({ message: form.elements.message.value }),
      });
      const data = await response.json();
      // textContent, never innerHTML: the reply is data, not markup.
      result.textContent = response.ok ? data.message : data.message || "Request failed.";
    } catch {
      result.textContent = "The server could not be reached.";
    }
  });
});
