// The page: draw on the canvas (pointer events: mouse, touch, pen) or pick a photo, POST the
// image to /v1/predict?top_k=10&see=1 as the raw body, and show the answer.
"use strict";
const pad = document.getElementById("pad");
const ctx = pad.getContext("2d");
const statusLine = document.getElementById("status");
const digitOut = document.getElementById("digit");
const seen = document.getElementById("seen");
const seenFigure = document.getElementById("seen-figure");
const bars = document.querySelector("#bars tbody");
let drawing = false, drawn = false;

function clearPad() {
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, pad.width, pad.height);
  drawn = false;
}

function point(event) {  // the event's position in canvas pixels, whatever its CSS size
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) * pad.width / box.width, (event.clientY - box.top) * pad.height / box.height];
}

pad.addEventListener("pointerdown", (event) => {
  drawing = true;
  pad.setPointerCapture(event.pointerId);
  ctx.lineWidth = 20; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#000";
  ctx.beginPath();
  ctx.moveTo(...point(event));
  ctx.lineTo(...point(event));
  ctx.stroke();
  drawn = true;
  event.preventDefault();
});
pad.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  ctx.lineTo(...point(event));
  ctx.stroke();
  event.preventDefault();
});
function endStroke() {
  if (!drawing) return;
  drawing = false;
  readDrawing();
}
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);

function readDrawing() {
  if (!drawn) { statusLine.textContent = "Draw a digit first."; return; }
  pad.toBlob((blob) => send(blob, "the drawing"), "image/png");
}

async function send(blob, what) {
  statusLine.textContent = `Reading ${what}...`;
  try {
    const response = await fetch("/v1/predict?top_k=10&see=1", {
      method: "POST", body: blob, headers: {"Content-Type": blob.type || "application/octet-stream"}});
    const body = await response.json();
    show(body, what);
  } catch (error) {
    statusLine.textContent = `Could not reach the server: ${error}`;
  }
}

function show(body, what) {
  const result = body.results ? body.results[0] : null;
  bars.replaceChildren();
  if (!result || result.digit === null || result.digit === undefined) {
    digitOut.textContent = "not a digit";
    digitOut.className = "refused";
    seenFigure.hidden = !(result && result.seen_png);
    if (result && result.seen_png) seen.src = result.seen_png;
    statusLine.textContent = `Not a digit: ${(result && (result.reason || result.error)) || body.error}`;
    return;
  }
  digitOut.textContent = String(result.digit);
  digitOut.className = "";
  seen.src = result.seen_png;
  seenFigure.hidden = false;
  const byDigit = new Map(result.top.map((t) => [t.digit, t.probability]));
  for (let d = 0; d <= 9; d++) {
    const p = byDigit.get(d) || 0;
    const row = document.createElement("tr");
    if (d === result.digit) row.className = "best";
    row.innerHTML = `<td>${d}</td><td class="bar"><span style="width:${(p * 80).toFixed(1)}%"></span><b>${(p * 100).toFixed(1)}%</b></td>`;
    bars.append(row);
  }
  statusLine.textContent = `Read ${what}: ${result.digit} (${(result.probability * 100).toFixed(1)}%)`;
}

document.getElementById("read").addEventListener("click", readDrawing);
document.getElementById("clear").addEventListener("click", () => { clearPad(); statusLine.textContent = "Cleared."; });
for (const id of ["camera", "upload"]) {
  document.getElementById(id).addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (file) send(file, file.name);
  });
}
clearPad();
