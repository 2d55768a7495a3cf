// The sketch pad: draw with pointer events, and each finished stroke (debounced) is sent to POST /translate;
// a newer drawing aborts the request still in flight. Plain ES module, no build step.
const pad = document.getElementById('pad');
const ink = pad.getContext('2d', { willReadFrequently: true });
const result = document.getElementById('result');
const status = document.getElementById('status');
const errorBox = document.getElementById('error');
const download = document.getElementById('download');
const modelPicker = document.getElementById('model');
const eraser = document.getElementById('eraser');

const history = { undo: [], redo: [] };
let inFlight = null;
let debounce = null;
let resultUrl = null;
const providers = new Map();

function clearPad() {
  ink.fillStyle = '#ffffff';
  ink.fillRect(0, 0, pad.width, pad.height);
}

function snapshot() {
  history.undo.push(ink.getImageData(0, 0, pad.width, pad.height));
  if (history.undo.length > 50) history.undo.shift();
  history.redo.length = 0;
}

function restore(from, to) {
  if (from.length === 0) return;
  to.push(ink.getImageData(0, 0, pad.width, pad.height));
  ink.putImageData(from.pop(), 0, 0);
  scheduleTranslation(0);
}

function penWidth() {
  return Number(document.querySelector('input[name="width"]:checked').value);
}

function point(event) {
  const box = pad.getBoundingClientRect();
  return { x: (event.clientX - box.left) * pad.width / box.width, y: (event.clientY - box.top) * pad.height / box.height };
}

// One stroke at a time, by one pointer: a second finger or a resting palm neither joins nor ends it; only the primary
// button draws (a right click, or a stylus's eraser end, does not).
let last = null;
let drawingWith = null;
pad.addEventListener('pointerdown', event => {
  if (drawingWith !== null || event.button !== 0) return;
  drawingWith = event.pointerId;
  pad.setPointerCapture(event.pointerId);
  // A new stroke makes any translation scheduled or under way stale: drop it; the stroke's end schedules the next.
  clearTimeout(debounce);
  inFlight?.abort();
  inFlight = null;
  result.dataset.state = 'drawing';
  snapshot();
  last = point(event);
  stroke(last, last, event.pressure);
});
pad.addEventListener('pointermove', event => {
  if (!last || event.pointerId !== drawingWith) return;
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
  for (const e of events.length ? events : [event]) {
    const next = point(e);
    stroke(last, next, e.pressure);
    last = next;
  }
});
for (const type of ['pointerup', 'pointercancel']) {
  pad.addEventListener(type, event => {
    if (!last || event.pointerId !== drawingWith) return;
    last = null;
    drawingWith = null;
    scheduleTranslation(300);
  });
}

function stroke(from, to, pressure) {
  const erasing = eraser.getAttribute('aria-pressed') === 'true';
  ink.strokeStyle = erasing ? '#ffffff' : '#000000';
  ink.lineWidth = penWidth() * (erasing ? 3 : 1) * (pressure > 0 && pressure !== 0.5 ? 0.5 + pressure : 1);
  ink.lineCap = 'round';
  ink.lineJoin = 'round';
  ink.beginPath();
  ink.moveTo(from.x, from.y);
  ink.lineTo(to.x, to.y);
  ink.stroke();
}

// data-state on the result tells where it stands: drawing → scheduled → pending → done (or error).
function scheduleTranslation(delay) {
  clearTimeout(debounce);
  result.dataset.state = 'scheduled';
  debounce = setTimeout(translate, delay);
}

async function translate() {
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  const model = modelPicker.value;
  const body = await new Promise(resolve => pad.toBlob(resolve, 'image/png'));
  const started = performance.now();
  status.textContent = 'Translating…';
  result.dataset.state = 'pending';
  // A newer drawing aborts this request; a server that does not answer at all is given up on after two minutes.
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; controller.abort(); }, 120_000);
  try {
    const response = await fetch(`translate${model ? `?model=${encodeURIComponent(model)}` : ''}`, {
      method: 'POST', body, headers: { 'Content-Type': 'image/png', ...keyHeader() }, signal: controller.signal,
    });
    if (!response.ok) throw new Error(await problemMessage(response));
    const picture = await response.blob();
    if (controller !== inFlight) return;
    if (resultUrl) URL.revokeObjectURL(resultUrl);
    resultUrl = URL.createObjectURL(picture);
    result.src = resultUrl;
    download.href = resultUrl;   // until there is a picture the link has no href: it cannot be followed or focused
    download.setAttribute('aria-disabled', 'false');
    const elapsed = Math.round(performance.now() - started);
    status.textContent = `Translated in ${elapsed} ms on ${providers.get(model) ?? 'the server'}.`;
    errorBox.hidden = true;
    result.dataset.state = 'done';
    result.dataset.latency = String(elapsed);
  } catch (error) {
    // Aborted for a newer drawing, or superseded while its answer was read: the newer one reports.
    if (controller !== inFlight || (error.name === 'AbortError' && !timedOut)) return;
    errorBox.textContent = timedOut ? 'The server did not answer within two minutes.' : error.message;
    errorBox.hidden = false;
    status.textContent = 'The translation failed.';
    result.dataset.state = 'error';
  } finally {
    clearTimeout(timer);
  }
}

// ProblemDetails (RFC 7807) become "Title: detail"; anything else its status line.
async function problemMessage(response) {
  try {
    const problem = await response.json();
    return [problem.title, problem.detail].filter(Boolean).join(': ') || `${response.status} ${response.statusText}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

async function drawPicture(source) {
  const image = new Image();
  image.src = source;
  try {
    await image.decode();
  } catch {
    errorBox.textContent = 'That file could not be read as a picture.';
    errorBox.hidden = false;
    return;
  }
  snapshot();
  clearPad();
  const scale = Math.min(pad.width / image.width, pad.height / image.height);
  const width = image.width * scale;
  const height = image.height * scale;
  ink.drawImage(image, (pad.width - width) / 2, (pad.height - height) / 2, width, height);
  scheduleTranslation(0);
}

// With Auth:ApiKeys set, open the page as /#key=YOUR_KEY: the key is kept for this tab only and taken out of the address bar.
// The key is everything after "key=", as written: not form-decoded, where '+' would become a space and '&' end it; only
// the characters a browser escapes in a fragment (space " < > `) are turned back.
const apiKey = (() => {
  const fragment = location.hash.slice(1);
  const given = fragment.startsWith('key=')
    ? fragment.slice(4).replace(/%(20|22|3C|3E|60)/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)))
    : null;
  if (given) {
    sessionStorage.setItem('pix2pix-api-key', given);
    window.history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem('pix2pix-api-key');
})();

function keyHeader() {
  return apiKey ? { 'X-API-Key': apiKey } : {};
}

// The models as GET /models lists them, again every few seconds while one is still loading or none is there yet (the
// service may have been started a moment ago, or a model added to its folder), and whenever the tab comes back.
let modelsTimer = null;
let lastListed = null;
async function loadModels() {
  clearTimeout(modelsTimer);
  let again = true;
  try {
    const response = await fetch('models', { headers: keyHeader() });
    // Asking again helps when the server is busy or starting (429, 503), not when the key is missing or wrong.
    if (!response.ok) {
      again = response.status !== 401 && response.status !== 403;
      throw new Error(await problemMessage(response));
    }
    const models = await response.json();
    // Rebuilt only when the list changed, so that a refresh does not close the picker while it is open.
    const listed = JSON.stringify(models.map(m => [m.name, m.state, m.isDefault]));
    if (listed !== lastListed) {
      lastListed = listed;
      const chosen = modelPicker.value;
      modelPicker.replaceChildren();
      for (const model of models) {
        providers.set(model.name, model.provider);
        const option = new Option(`${model.name}${model.state === 'ready' ? '' : ` (${model.state})`}`, model.name, model.isDefault, model.isDefault);
        option.disabled = model.state !== 'ready';
        modelPicker.add(option);
      }
      if (chosen && models.some(m => m.name === chosen && m.state === 'ready')) modelPicker.value = chosen;
    }
    again = models.length === 0 || models.some(m => m.state === 'loading');
    if (models.length === 0) status.textContent = 'No models are installed on the server yet.';
    else if (status.textContent.startsWith('No models') || status.textContent.startsWith('Could not list')) status.textContent = 'Draw something.';
  } catch (error) {
    status.textContent = `Could not list the models: ${error.message}`;
  }
  if (again) modelsTimer = setTimeout(loadModels, 5000);
}
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') loadModels(); });

async function loadExamples() {
  const list = document.getElementById('examples');
  try {
    const examples = await (await fetch('examples/index.json')).json();
    for (const example of examples) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'example';
      button.setAttribute('aria-label', `Load the example ${example.name}`);
      const thumbnail = document.createElement('img');
      thumbnail.src = `examples/${example.file}`;
      thumbnail.alt = '';
      button.append(thumbnail);
      button.addEventListener('click', () => drawPicture(`examples/${example.file}`));
      list.append(button);
    }
  } catch {
    list.textContent = 'No examples available.';
  }
}

eraser.addEventListener('click', () => eraser.setAttribute('aria-pressed', String(eraser.getAttribute('aria-pressed') !== 'true')));
document.getElementById('undo').addEventListener('click', () => restore(history.undo, history.redo));
document.getElementById('redo').addEventListener('click', () => restore(history.redo, history.undo));
document.getElementById('clear').addEventListener('click', () => { snapshot(); clearPad(); scheduleTranslation(0); });
document.getElementById('upload').addEventListener('change', async event => {
  const file = event.target.files[0];
  event.target.value = '';   // choosing the same file again loads it again
  if (!file) return;
  const url = URL.createObjectURL(file);
  try {
    await drawPicture(url);
  } finally {
    URL.revokeObjectURL(url);
  }
});
modelPicker.addEventListener('change', () => scheduleTranslation(0));
document.addEventListener('keydown', event => {
  if (!(event.ctrlKey || event.metaKey)) return;
  const key = event.key.toLowerCase();
  const redo = key === 'y' || (key === 'z' && event.shiftKey);   // Ctrl+Y, or Cmd/Ctrl+Shift+Z
  if (key === 'z' && !redo) { event.preventDefault(); restore(history.undo, history.redo); }
  if (redo) { event.preventDefault(); restore(history.redo, history.undo); }
});

clearPad();
loadModels();
loadExamples();
