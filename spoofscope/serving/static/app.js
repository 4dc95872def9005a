// The spoofscope page: upload a recording, show the verdict, draw the waveform with the score
// of each window over it, and send feedback. Plain browser APIs only, so it works offline.
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "spoofscope-token";
let lastResult = null;
let lastSamples = null;

function authHeaders() {
  const token = $("token").value.trim();
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  return token ? { Authorization: "Bearer " + token } : {};
}

function showError(text) {
  $("error").textContent = text || "";
}

function percent(p) {
  return (100 * p).toFixed(1) + "%";
}

const VERDICT_TEXT = {
  bonafide: "Sounds like a real voice",
  spoof: "Sounds synthetic or converted",
  uncertain: "Uncertain",
  "too-short": "Too short to judge",
  "no-speech": "No speech found",
};
// Verdicts that judge nothing: the score is given by the API but says nothing about a voice, so
// the page does not show it as a probability of spoof.
const NOT_JUDGED = {
  "too-short": "the recording is too short to say anything about the voice",
  "no-speech": "there is no voice in this recording to judge",
};

function judged(result) {
  return !(result.verdict in NOT_JUDGED);
}

function warningItem(text) {
  // the Detector writes each warning as "<code>: <why>"; the code becomes a short heading
  const at = text.indexOf(": ");
  const code = at > 0 ? text.slice(0, at) : "";
  const item = document.createElement("li");
  item.dataset.code = code || "other";
  if (code) {
    const head = Object.assign(document.createElement("strong"), {
      textContent: code.charAt(0).toUpperCase() + code.slice(1).replace(/-/g, " "),
    });
    item.append(head, ": " + text.slice(at + 2));
  } else {
    item.textContent = text;
  }
  return item;
}

function showVerdict(result) {
  const box = $("verdict");
  box.dataset.verdict = result.verdict;
  box.dataset.judged = String(judged(result));
  const label = VERDICT_TEXT[result.verdict] || result.verdict;
  const about = `${result.duration.toFixed(1)} s, ${result.filename}`;
  box.textContent = judged(result)
    ? `${label}: probability of spoof ${percent(result.p_spoof)} (score ${result.score.toFixed(3)}, ${about})`
    : `${label}: ${NOT_JUDGED[result.verdict]} (${about})`;
  const speech = $("speech");
  speech.textContent =
    result.speech_seconds === null || result.speech_seconds === undefined
      ? ""
      : `Speech found in ${result.speech_seconds.toFixed(1)} s of ${result.duration.toFixed(1)} s` +
        ` · ${result.timeline.length} windows · score is the ${result.aggregate} of the windows`;
  const warnings = [...result.warnings];
  $("warnings").replaceChildren(...warnings.map(warningItem));
  $("warnings-box").hidden = warnings.length === 0;
  box.dataset.warned = String(warnings.length > 0);
  if (warnings.length) {
    box.append(
      Object.assign(document.createElement("span"), {
        className: "see-warnings",
        textContent: ` (${warnings.length} warning${warnings.length > 1 ? "s" : ""} below)`,
      })
    );
  }
  $("feedback").hidden = false;
  $("feedback-status").textContent = "";
}

// -- drawing ------------------------------------------------------------------------------------

function peaks(samples, columns) {
  // [min, max] of each pixel column of the mono signal
  const out = new Array(columns);
  const per = Math.max(1, Math.floor(samples.length / columns));
  for (let c = 0; c < columns; c++) {
    let lo = 0, hi = 0;
    const start = c * per, stop = Math.min(samples.length, start + per);
    for (let i = start; i < stop; i++) {
      const v = samples[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out[c] = [lo, hi];
  }
  return out;
}

function mono(buffer) {
  const n = buffer.length, channels = buffer.numberOfChannels;
  const sum = new Float32Array(n);
  for (let ch = 0; ch < channels; ch++) {
    const data = buffer.getChannelData(ch);
    for (let i = 0; i < n; i++) sum[i] += data[i] / channels;
  }
  return sum;
}

function draw(result, samples) {
  const canvas = $("wave");
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(canvas.clientWidth * ratio) || 900;
  canvas.height = Math.round(180 * ratio);
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, mid = h / 2;
  ctx.clearRect(0, 0, w, h);
  const seconds = result.duration || 1;
  const x = (s) => (s / seconds) * w;
  // Windows are drawn translucent: where a server's windows overlap (a hop shorter than the
  // window), overlaps of suspicious windows come out darker, which is where the model is surest.
  for (const win of result.timeline) {
    const left = x(win.start_s), width = Math.max(1, x(win.end_s) - left);
    if (win.speech === false) {
      ctx.fillStyle = "rgba(128, 128, 128, 0.35)";
    } else {
      const strength = Math.max(0, (win.p_spoof - 0.5) * 2);
      ctx.fillStyle = `rgba(200, 30, 30, ${0.45 * strength})`;
    }
    ctx.fillRect(left, 0, width, h);
  }
  if (samples) {
    ctx.strokeStyle = "#1d1d1f";
    ctx.lineWidth = 1;
    ctx.beginPath();
    peaks(samples, w).forEach(([lo, hi], c) => {
      ctx.moveTo(c + 0.5, mid - hi * mid);
      ctx.lineTo(c + 0.5, mid - lo * mid + 1);
    });
    ctx.stroke();
  }
  const worst = result.most_suspicious;
  if (judged(result) && worst && worst.p_spoof !== null && worst.p_spoof > 0.5) {
    ctx.strokeStyle = "rgb(200, 30, 30)";
    ctx.lineWidth = 3 * ratio;
    ctx.strokeRect(x(worst.start_s), 2, x(worst.end_s) - x(worst.start_s), h - 4);
  }
  canvas.dataset.windows = String(result.timeline.length);
  canvas.dataset.waveform = samples ? "decoded" : "none";
  canvas.dataset.drawn = "true";
  canvas.setAttribute(
    "aria-label",
    `Waveform of ${seconds.toFixed(1)} s with ${result.timeline.length} scored windows` +
      (worst ? `; most suspicious from ${worst.start_s.toFixed(1)} s to ${worst.end_s.toFixed(1)} s` : "")
  );
}

async function decode(file) {
  // The browser decodes what it can; a format it cannot still gets its timeline drawn.
  try {
    const context = new (window.AudioContext || window.webkitAudioContext)();
    const buffer = await context.decodeAudioData(await file.arrayBuffer());
    context.close();
    return mono(buffer);
  } catch (err) {
    return null;
  }
}

// -- upload ---------------------------------------------------------------------------------------

function upload(file) {
  showError("");
  $("wave").dataset.drawn = "false";
  const progress = $("progress");
  progress.value = 0;
  $("verdict").textContent = `Scoring ${file.name}…`;
  for (const key of ["verdict", "judged", "warned"]) delete $("verdict").dataset[key];
  $("warnings-box").hidden = true;
  $("speech").textContent = "";
  const decoded = decode(file);
  const form = new FormData();
  form.append("file", file, file.name);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/v1/score");
  for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
  xhr.upload.addEventListener("progress", (e) => {
    if (e.lengthComputable) progress.value = Math.round((100 * e.loaded) / e.total);
  });
  xhr.addEventListener("load", async () => {
    progress.value = 100;
    let body = null;
    try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
    if (xhr.status !== 200 || !body) {
      $("verdict").textContent = "Not scored.";
      showError((body && body.detail) || `The server answered ${xhr.status}.`);
      return;
    }
    lastResult = body;
    lastSamples = await decoded;
    showVerdict(body);
    draw(body, lastSamples);
  });
  xhr.addEventListener("error", () => {
    $("verdict").textContent = "Not scored.";
    showError("The upload failed: the server could not be reached.");
  });
  xhr.send(form);
}

async function sendFeedback(label) {
  if (!lastResult) return;
  const status = $("feedback-status");
  const response = await fetch("/v1/feedback", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...authHeaders() },
    body: JSON.stringify({ request_id: lastResult.request_id, label }),
  });
  const body = await response.json().catch(() => ({}));
  status.textContent = response.ok
    ? "Thank you: your answer is stored with this recording's score."
    : `Not stored: ${body.detail || response.status}`;
}

async function loadModel() {
  const list = $("model");
  const response = await fetch("/v1/models", { headers: authHeaders() }).catch(() => null);
  if (!response || !response.ok) {
    list.replaceChildren(Object.assign(document.createElement("dt"), {
      textContent: response && response.status === 401 ? "Enter the access token to see the model." : "Model information unavailable.",
    }));
    return;
  }
  const model = (await response.json()).models[0];
  const rows = [
    ["Model", `${model.id} (${model.architecture})`],
    ["Version", model.version],
    ["Input", `${model.sample_rate} Hz, ${model.crop_seconds} s windows` + (model.channel ? `, ${model.channel} channel` : "")],
    ["Dev EER", model.dev_eer === null ? "unknown" : percent(model.dev_eer)],
    ["Calibrated", model.calibrated ? "yes" : "no"],
  ];
  list.replaceChildren(...rows.flatMap(([k, v]) => [
    Object.assign(document.createElement("dt"), { textContent: k }),
    Object.assign(document.createElement("dd"), { textContent: v }),
  ]));
}

function init() {
  $("token").value = sessionStorage.getItem(TOKEN_KEY) || "";
  $("token").addEventListener("change", loadModel);
  $("file").addEventListener("change", (e) => {
    if (e.target.files.length) upload(e.target.files[0]);
  });
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) upload(e.dataTransfer.files[0]);
  });
  document.querySelectorAll("#feedback button").forEach((b) =>
    b.addEventListener("click", () => sendFeedback(b.dataset.label))
  );
  window.addEventListener("resize", () => lastResult && draw(lastResult, lastSamples));
  loadModel();
}

init();
