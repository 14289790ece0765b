"use strict";

// Every call goes through show(): the status decides success or error, and
// the body is JSON either way (an item, a list, or a problem document).
async function call(method, path, body, rawBody) {
  const options = { method, headers: { Accept: "application/json" } };
  if (body !== undefined || rawBody !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = rawBody !== undefined ? rawBody : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (networkError) {
    show("error", `Network error: ${networkError.message}`, "");
    return;
  }
  const text = await response.text();
  let shown = text;
  try {
    shown = text ? JSON.stringify(JSON.parse(text), null, 2) : "(no body)";
  } catch (parseError) {
    shown = `Not JSON (${response.headers.get("Content-Type")}): ${text}`;
  }
  const kind = response.ok ? "success" : "error";
  const title = response.ok ? "" : ` (${response.headers.get("Content-Type")})`;
  show(kind, `${method} ${path}: ${response.status} ${response.statusText}${title}`, shown);
}

function show(kind, status, body) {
  const result = document.getElementById("result");
  result.className = `result ${kind}`;
  result.dataset.kind = kind;
  document.getElementById("result-status").textContent = status;
  document.getElementById("result-body").textContent = body;
}

document.getElementById("echo-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const message = document.getElementById("echo-message").value;
  call("POST", "/api/v1/echo", { message });
});

document.getElementById("item-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = document.getElementById("item-name").value;
  call("POST", "/api/v1/items", { name });
});

document.getElementById("list-button").addEventListener("click", () => {
  call("GET", "/api/v1/items");
});

document.getElementById("missing-button").addEventListener("click", () => {
  call("GET", "/api/v1/items/999999999");
});

document.getElementById("bad-json-button").addEventListener("click", () => {
  call("POST", "/api/v1/echo", undefined, "{not json");
});
