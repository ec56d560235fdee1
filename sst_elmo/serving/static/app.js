// The page of `allennlp sst-serve`: posts the sentence to /interpret and draws the label (its
// name where the model has label names), a bar per label and the tokens coloured by their
// attribution: orange toward the predicted label, blue against it (signed methods), or orange
// by how much they counted (the other methods). No framework, no build step.
// Everything a result shows lives inside #result, so that clearResult() clears all of it when a
// new request starts or a request fails: an error never sits under an older answer.
"use strict";

const $ = (id) => document.getElementById(id);
const TOWARD = "214, 96, 20";   // orange
const AGAINST = "36, 86, 166";  // blue
let labelNames = {};
let latest = 0;  // the number of the latest request: answers to older ones are dropped

function nameOf(label) {
  return labelNames[label] || label;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

function clearResult() {
  $("result").hidden = true;
  $("error").hidden = true;
  for (const id of ["label", "label-id", "bars", "tokens", "legend"]) $(id).replaceChildren();
}

// The server's one-line error (meant for people), or a line about the status when there is none.
function errorOf(response, output) {
  if (output && output.error) return output.error;
  return `The server answered ${response.status} ${response.statusText} without saying why. Try again.`;
}

function drawBars(output) {
  const bars = $("bars");
  bars.replaceChildren();
  for (const label of output.labels) {
    const p = output.label_probs[label];
    const name = document.createElement("span");
    name.className = "bar-label";
    name.textContent = nameOf(label);
    const track = document.createElement("div");
    track.className = "bar-track";
    const fill = document.createElement("div");
    fill.className = "bar-fill" + (label === output.label ? " top" : "");
    fill.style.width = (100 * p).toFixed(1) + "%";
    track.appendChild(fill);
    const value = document.createElement("span");
    value.className = "bar-value";
    value.textContent = (100 * p).toFixed(1) + "%";
    bars.append(name, track, value);
  }
  // An archive calibrated by `allennlp sst-calibrate` answers with its temperature.
  const calibrated = typeof output.temperature === "number";
  $("calibration").hidden = !calibrated;
  $("calibration").textContent = calibrated
    ? `Calibrated probabilities: rescaled (temperature ${output.temperature.toFixed(2)}) to match how often ` +
      "this model was right on held-out sentences."
    : "";
}

// The warning of an answer whose words the model mostly cannot read (`out_of_reach`).
function drawReach(output) {
  const warning = $("out-of-reach");
  warning.hidden = !output.out_of_reach;
  if (!output.out_of_reach) return;
  const share = Math.round(100 * output.unknown_share);
  warning.textContent = `Careful: ${output.warning} (${share}% of the words: ` +
    `${output.unknown_tokens.join(" ")}). The label below means little.`;
}

function drawTokens(output) {
  const tokens = $("tokens");
  tokens.replaceChildren();
  const top = Math.max(...output.saliency.map(Math.abs), 1e-12);
  const label = nameOf(output.label);
  output.tokens.forEach((token, i) => {
    const value = output.saliency[i];
    const span = document.createElement("span");
    span.className = "token";
    const weight = Math.abs(value) / top;  // 0..1, the strongest token darkest
    const colour = value < 0 ? AGAINST : TOWARD;
    span.style.backgroundColor = `rgba(${colour}, ${(0.08 + 0.8 * weight).toFixed(3)})`;
    span.dataset.saliency = value.toFixed(4);
    span.dataset.direction = !output.saliency_signed ? "weight" : value < 0 ? "against" : "toward";
    span.title = output.saliency_signed
      ? `${value < 0 ? "against" : "toward"} ${label}: ${value.toFixed(3)}`
      : `saliency ${value.toFixed(3)}`;
    span.textContent = token;
    if ((output.unknown_tokens || []).includes(token)) span.classList.add("unknown");
    tokens.append(span, " ");
  });
  $("legend").textContent = output.saliency_signed
    ? `Orange words pushed toward "${label}", blue words against it; darker counted more.`
    : `Darker words counted more for "${label}" (this method gives no direction).`;
}

function headers() {
  const result = { "Content-Type": "application/json" };
  const token = sessionStorage.getItem("sst-serve-token");
  if (token) result.Authorization = `Bearer ${token}`;
  return result;
}

async function predict(event) {
  if (event) event.preventDefault();
  const sentence = $("sentence").value;
  const request = ++latest;
  clearResult();
  if (!sentence.trim()) {
    showError("Type a sentence first.");
    return;
  }
  if (!$("auth").hidden) sessionStorage.setItem("sst-serve-token", $("token").value.trim());
  $("submit").disabled = true;
  try {
    const response = await fetch("/interpret", {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({ sentence: sentence, method: $("method").value }),
    });
    const output = await response.json().catch(() => null);
    if (request !== latest) return;
    if (!response.ok || !output) {
      if (response.status === 401) $("auth").hidden = false;
      showError(errorOf(response, output));
      return;
    }
    $("label").textContent = nameOf(output.label);
    $("label-id").textContent = output.label_name ? `(label ${output.label})` : "";
    $("truncated").hidden = !output.truncated;
    drawReach(output);
    drawBars(output);
    drawTokens(output);
    $("result").hidden = false;
  } catch (error) {
    if (request === latest) showError(`The server did not answer (${error}). Is it still running?`);
  } finally {
    if (request === latest) $("submit").disabled = false;
  }
}

async function start() {
  try {
    const health = await (await fetch("/health")).json();
    labelNames = health.label_names || {};
    $("auth").hidden = !health.auth;
    $("token").value = sessionStorage.getItem("sst-serve-token") || "";
  } catch (error) {
    showError(`The server did not answer (${error}).`);
  }
}

$("form").addEventListener("submit", predict);
for (const button of document.querySelectorAll(".example")) {
  button.addEventListener("click", () => {
    $("sentence").value = button.textContent;
    predict();
  });
}
start();
