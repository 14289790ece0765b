"use strict";

// The API beside this page, wherever the app is mounted: /api/v1/ at the
// root, /prefix/api/v1/ under a prefix.
const API = new URL("api/v1/", document.baseURI).pathname;
const ITEMS = `${API}items`;

{% if cookiecutter.auth != "none" -%}
// The credential every call sends as Authorization: Bearer. Kept in this
// page's memory only, never in localStorage, where any script could read it.
let credential = null;
{% endif -%}
{% if cookiecutter.auth == "jwt" -%}
let refreshToken = null;
{% endif -%}
{% if cookiecutter.auth != "none" %}
{% endif -%}
// The headers of every request: one place to add more (credentials, say).
function headers({ json = false, ifMatch = null } = {}) {
  const result = { Accept: "application/json" };
{%- if cookiecutter.auth != "none" %}
  if (credential) {
    result.Authorization = `Bearer ${credential}`;
  }
{%- endif %}
  if (json) {
    result["Content-Type"] = "application/json";
  }
  if (ifMatch) {
    result["If-Match"] = ifMatch;
  }
  return result;
}

// Send one request; the body is JSON either way (an item, a list, or a
// problem document), so parse it whatever the status.
async function request(method, path, { json, rawBody, ifMatch } = {}) {
  const hasBody = json !== undefined || rawBody !== undefined;
  const options = { method, headers: headers({ json: hasBody, ifMatch }) };
  if (hasBody) {
    options.body = rawBody !== undefined ? rawBody : JSON.stringify(json);
  }
  const response = await fetch(path, options);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (parseError) {
    data = undefined; // not JSON: shown as text below
  }
  return { response, text, data };
}

// Every button goes through call(): the status decides success or error.
async function call(method, path, options) {
  const result = document.getElementById("result");
  result.setAttribute("aria-busy", "true");
  try {
    const answer = await request(method, path, options);
    showAnswer(method, path, answer);
    return answer;
  } catch (networkError) {
    showNetworkError(method, path, networkError);
    return null;
  } finally {
    result.removeAttribute("aria-busy");
  }
}

function showAnswer(method, path, { response, text, data }) {
  const kind = response.ok ? "success" : "error";
  const statusText = response.statusText || (data && data.title) || "";
  let body = "(no body)";
  if (data === undefined) {
    body = `Not JSON: ${text}`;
  } else if (data !== null) {
    body = JSON.stringify(data, null, 2);
  }
  show({
    kind,
    status: `${method} ${path}: ${response.status} ${statusText}`.trim(),
    summary: response.ok ? successSummary(method, response, data) : problemSummary(data),
    type: response.headers.get("Content-Type"),
    etag: response.headers.get("ETag"),
    requestId: response.headers.get("X-Request-ID"),
    body,
  });
}

function showNetworkError(method, path, networkError) {
  show({ kind: "error", status: `${method} ${path}: network error`, summary: networkError.message });
}

function successSummary(method, response, data) {
  const location = response.headers.get("Location");
  if (location) {
    return `Created at ${location}`;
  }
  if (data && Array.isArray(data.items)) {
    return `${data.total} item(s) in total`;
  }
  if (method === "DELETE") {
    return "Deleted";
  }
  if (method === "PATCH") {
    return "Updated";
  }
  return "";
}

// A problem document (RFC 9457): title and detail, and for a 422 the
// message of each wrong field.
function problemSummary(problem) {
  if (!problem || typeof problem !== "object") {
    return "The answer is not a problem document.";
  }
  const fields = Array.isArray(problem.errors)
    ? problem.errors.map((error) => `${error.field}: ${error.message}`)
    : [];
  // One line per wrong field (the summary keeps line breaks, see demo.css).
  return [`${problem.title}: ${problem.detail}`, ...fields].join("\n");
}

function show({ kind, status, summary = "", type = "-", etag = "-", requestId = "-", body = "" }) {
  const result = document.getElementById("result");
  result.dataset.kind = kind;
  document.getElementById("result-kind").textContent = kind === "success" ? "Success" : "Error";
  document.getElementById("result-status").textContent = status;
  document.getElementById("result-summary").textContent = summary;
  document.getElementById("result-type").textContent = type || "-";
  document.getElementById("result-etag").textContent = etag || "-";
  document.getElementById("result-request-id").textContent = requestId || "-";
  document.getElementById("result-body").textContent = body;
}

// Item names are whatever a client sent: they go in as text, never as HTML.
function showItems({ items, total }) {
  const entries = items.map((item) => {
    const label = document.createElement("span");
    label.className = "item-label";
    label.textContent = `#${item.id} ${item.name} (quantity ${item.quantity})`;
    const edit = itemButton("Edit", `Edit item ${item.id}`, () => editItem(item.id));
    const remove = itemButton("Delete", `Delete item ${item.id}`, () => deleteItem(item.id));
    const entry = document.createElement("li");
    entry.dataset.id = item.id;
    entry.append(label, " ", edit, " ", remove);
    return entry;
  });
  document.getElementById("item-list").replaceChildren(...entries);
  const shown = items.length < total ? ` (the first ${items.length} shown)` : "";
  document.getElementById("item-count").textContent =
    total === 0 ? "No items yet." : `${total} item(s)${shown}`;
}

function itemButton(text, label, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = text;
  button.setAttribute("aria-label", label);
  button.addEventListener("click", onClick);
  return button;
}

// The list without touching the last answer shown, unless it fails: then
// the failure is the answer to show.
async function refreshItems() {
  try {
    const answer = await request("GET", ITEMS);
    if (answer.response.ok) {
      showItems(answer.data);
    } else {
      showAnswer("GET", ITEMS, answer);
    }
  } catch (networkError) {
    showNetworkError("GET", ITEMS, networkError);
  }
}

async function listItems() {
  const answer = await call("GET", ITEMS);
  if (answer && answer.response.ok) {
    showItems(answer.data);
  }
}

// The item being edited: its id and the ETag it was read with.
let editing = null;

async function editItem(id) {
  const answer = await call("GET", `${ITEMS}/${id}`);
  if (answer && answer.response.ok) {
    startEditing(answer.data, answer.response.headers.get("ETag"));
  }
}

function startEditing(item, etag) {
  editing = { id: item.id, etag };
  document.getElementById("edit-id").textContent = `#${item.id}`;
  document.getElementById("edit-etag").textContent = etag;
  document.getElementById("edit-name").value = item.name;
  document.getElementById("edit-quantity").value = item.quantity;
  document.getElementById("edit").hidden = false;
}

function stopEditing() {
  editing = null;
  document.getElementById("edit").hidden = true;
}

async function updateItem() {
  const { id, etag } = editing;
  const quantity = document.getElementById("edit-quantity").value;
  const changes = { name: document.getElementById("edit-name").value };
  if (quantity !== "") {
    changes.quantity = Number(quantity);
  }
  const answer = await call("PATCH", `${ITEMS}/${id}`, { json: changes, ifMatch: etag });
  if (!answer) {
    return;
  }
  if (answer.response.ok) {
    // The answer carries the new ETag: the next change can follow this one.
    startEditing(answer.data, answer.response.headers.get("ETag"));
  }
  // Changed, or changed or deleted meanwhile (412, 409, 404): the list shows
  // what is stored now. After a 412 the form keeps what was typed; Edit
  // reads the item and its ETag again.
  if (answer.response.ok || [404, 409, 412].includes(answer.response.status)) {
    await refreshItems();
  }
}

async function deleteItem(id) {
  const answer = await call("DELETE", `${ITEMS}/${id}`);
  if (answer && (answer.response.ok || answer.response.status === 404)) {
    if (editing && editing.id === id) {
      stopEditing();
    }
    await refreshItems();
  }
}

document.getElementById("echo-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const message = document.getElementById("echo-message").value;
  call("POST", `${API}echo`, { json: { message } });
});

document.getElementById("item-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = document.getElementById("item-name").value;
  const answer = await call("POST", ITEMS, { json: { name } });
  if (answer && answer.response.ok) {
    await refreshItems(); // the answer shown stays the 201
  }
});

document.getElementById("edit-form").addEventListener("submit", (event) => {
  event.preventDefault();
  updateItem();
});

document.getElementById("cancel-edit-button").addEventListener("click", stopEditing);

document.getElementById("list-button").addEventListener("click", listItems);

document.getElementById("missing-button").addEventListener("click", () => {
  call("GET", `${ITEMS}/999999999`);
});

document.getElementById("bad-json-button").addEventListener("click", () => {
  call("POST", `${API}echo`, { rawBody: "{not json" });
});

{% if cookiecutter.auth == "api_key" -%}
document.getElementById("credential-form").addEventListener("submit", (event) => {
  event.preventDefault();
  credential = document.getElementById("credential").value.trim() || null;
  document.getElementById("credential-state").textContent = credential
    ? "Each call sends this key."
    : "No key: the API answers 401.";
  refreshItems();
});

{% elif cookiecutter.auth == "jwt" -%}
function loggedIn(tokens, username) {
  credential = tokens ? tokens.access_token : null;
  refreshToken = tokens ? tokens.refresh_token : null;
  document.getElementById("credential-state").textContent = tokens
    ? `Logged in as ${username}: each call sends the access token.`
    : "Not logged in: the API answers 401.";
}

document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = document.getElementById("username").value;
  const password = document.getElementById("password");
  const answer = await call("POST", `${API}auth/token`, {
    json: { username, password: password.value },
  });
  password.value = "";
  loggedIn(answer && answer.response.ok ? answer.data : null, username);
  await refreshItems();
});

document.getElementById("logout-button").addEventListener("click", async () => {
  if (refreshToken) {
    await call("POST", `${API}auth/logout`, { json: { refresh_token: refreshToken } });
  }
  loggedIn(null);
  await refreshItems();
});

{% endif -%}
// The docs page can be turned off (API_DOCS). The server names it in this
// page's Link header (rel="service-doc", RFC 8631) only when it is served: a
// HEAD of the page reads the header without a request that could fail.
async function showDocsLink() {
  try {
    const response = await fetch(window.location.href, { method: "HEAD" });
    const link = response.headers.get("Link") || "";
    const docs = /<([^>]*)>\s*;\s*rel="?service-doc"?/.exec(link);
    if (docs) {
      document.getElementById("docs-link").setAttribute("href", docs[1]);
      document.getElementById("docs").hidden = false;
    }
  } catch (networkError) {
    // No link then: the OpenAPI document is linked either way.
  }
}

// The list as the page opens (the script is deferred: the page is parsed).
refreshItems();
showDocsLink();
