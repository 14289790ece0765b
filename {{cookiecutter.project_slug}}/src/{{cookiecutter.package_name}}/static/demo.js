"use strict";

const ITEMS = "/api/v1/items";

// Send one request; the body is JSON either way (an item, a list, or a
// problem document), so parse it whatever the status.
async function request(method, path, { json, rawBody } = {}) {
  const options = { method, headers: { Accept: "application/json" } };
  if (json !== undefined || rawBody !== undefined) {
    options.headers["Content-Type"] = "application/json";
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
async function call(method, path, body) {
  const result = document.getElementById("result");
  result.setAttribute("aria-busy", "true");
  try {
    const answer = await request(method, path, body);
    showAnswer(method, path, answer);
    return answer;
  } catch (networkError) {
    show({ kind: "error", status: `${method} ${path}: network error`, summary: networkError.message });
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
    summary: response.ok ? successSummary(response, data) : problemSummary(data),
    type: response.headers.get("Content-Type"),
    requestId: response.headers.get("X-Request-ID"),
    body,
  });
}

function successSummary(response, data) {
  const location = response.headers.get("Location");
  if (location) {
    return `Created at ${location}`;
  }
  if (data && Array.isArray(data.items)) {
    return `${data.total} item(s) in total`;
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

function show({ kind, status, summary = "", type = "-", requestId = "-", body = "" }) {
  const result = document.getElementById("result");
  result.dataset.kind = kind;
  document.getElementById("result-kind").textContent = kind === "success" ? "Success" : "Error";
  document.getElementById("result-status").textContent = status;
  document.getElementById("result-summary").textContent = summary;
  document.getElementById("result-type").textContent = type || "-";
  document.getElementById("result-request-id").textContent = requestId || "-";
  document.getElementById("result-body").textContent = body;
}

// Item names are whatever a client sent: they go in as text, never as HTML.
function showItems(items) {
  const entries = items.map((item) => {
    const entry = document.createElement("li");
    entry.textContent = `#${item.id} ${item.name} (quantity ${item.quantity})`;
    return entry;
  });
  document.getElementById("item-list").replaceChildren(...entries);
}

async function listItems() {
  const answer = await call("GET", ITEMS);
  if (answer && answer.response.ok) {
    showItems(answer.data.items);
  }
}

document.getElementById("echo-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const message = document.getElementById("echo-message").value;
  call("POST", "/api/v1/echo", { json: { message } });
});

document.getElementById("item-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = document.getElementById("item-name").value;
  const answer = await call("POST", ITEMS, { json: { name } });
  if (answer && answer.response.ok) {
    // Refresh the list quietly: the answer shown stays the 201.
    try {
      const list = await request("GET", ITEMS);
      if (list.response.ok) {
        showItems(list.data.items);
      }
    } catch (networkError) {
      // The list stays as it was; the next click shows the network error.
    }
  }
});

document.getElementById("list-button").addEventListener("click", listItems);

document.getElementById("missing-button").addEventListener("click", () => {
  call("GET", `${ITEMS}/999999999`);
});

document.getElementById("bad-json-button").addEventListener("click", () => {
  call("POST", "/api/v1/echo", { rawBody: "{not json" });
});
