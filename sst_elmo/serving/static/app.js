// The page of `allennlp sst-serve`: posts the sentence to /interpret and draws the label,
// a bar per label and the tokens shaded by saliency. No framework, no build step.
"use strict";

const $ = (id) => document.getElementById(id);

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

function drawBars(output) {
  const bars = $("bars");
  bars.replaceChildren();
  for (const label of output.labels) {
    const p = output.label_probs[label];
    const name = document.createElement("span");
    name.className = "bar-label";
    name.textContent = label;
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
}

function drawTokens(output) {
  const tokens = $("tokens");
  tokens.replaceChildren();
  const top = Math.max(...output.saliency, 1e-12);
  output.tokens.forEach((token, i) => {
    const span = document.createElement("span");
    span.className = "token";
    const weight = output.saliency[i] / top;  // 0..1, the most salient token darkest
    span.style.backgroundColor = `rgba(214, 96, 20, ${(0.08 + 0.8 * weight).toFixed(3)})`;
    span.dataset.saliency = output.saliency[i].toFixed(4);
    span.title = `saliency ${output.saliency[i].toFixed(3)}`;
    span.textContent = token;
    tokens.append(span, " ");
  });
}

async function predict(event) {
  if (event) event.preventDefault();
  const sentence = $("sentence").value;
  $("error").hidden = true;
  if (!sentence.trim()) {
    showError("Type a sentence first.");
    return;
  }
  $("submit").disabled = true;
  try {
    const response = await fetch("/interpret", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sentence: sentence, method: $("method").value }),
    });
    const output = await response.json();
    if (!response.ok) {
      showError(output.error || `HTTP ${response.status}`);
      return;
    }
    $("label").textContent = output.label;
    $("truncated").hidden = !output.truncated;
    drawBars(output);
    drawTokens(output);
    $("result").hidden = false;
  } catch (error) {
    showError(`The server did not answer (${error}).`);
  } finally {
    $("submit").disabled = false;
  }
}

$("form").addEventListener("submit", predict);
for (const button of document.querySelectorAll(".example")) {
  button.addEventListener("click", () => {
    $("sentence").value = button.textContent;
    predict();
  });
}
