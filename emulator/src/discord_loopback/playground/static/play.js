// The playground page: renders the emulated channel as Discord would and sends what you do to the emulator.
// Plain JavaScript, no library, nothing fetched from outside this page's own server.
"use strict";

const S = {
  info: null, player: null, channel: null, version: -1, messages: [], commands: [], command: null,
  loading: false, again: false, stick: true,
};
const NEAR_BOTTOM = 80; // px: closer than this to the end of the channel counts as reading the newest messages
const MAX_CROWD = 200;
const INTEGER = /^[-+]?[0-9]+$/;
const NUMBER = /^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/;
const $ = (id) => document.getElementById(id);
const esc = (t) => String(t ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v; else if (k === "html") e.innerHTML = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined) e.append(kid);
  return e;
};

// -- talking to the emulator ----------------------------------------------------------------------------------
async function api(path, body) {
  const res = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  let data = {};
  try { data = await res.json(); } catch (e) { data = { error: `${res.status} ${res.statusText}` }; }
  return data;
}
function showError(text) {
  const box = $("error");
  if (!text) { box.hidden = true; box.textContent = ""; return; }
  box.hidden = false; box.textContent = text;
}
function handleOutcome(out) {
  if (out.error) { showError(out.error); return; }
  showError("");
  if (out.modal) openModal(out.modal, out.interaction);
  refresh();
}

async function loadState() {
  S.info = await api("/api/state");
  S.commands = flattenCommands(S.info.commands);
  if (!S.channel) S.channel = S.info.default_channel;
  if (!S.player) S.player = S.info.players[0].id;
  $("guild-name").textContent = S.info.guild.name;
  document.title = `${S.info.title}`;
  renderSidebar();
}
async function refresh() {
  if (S.loading) { S.again = true; return; }
  S.loading = true;
  try {
    do {
      S.again = false;
      const data = await api(`/api/messages?channel=${S.channel}&member=${S.player}`);
      if (data.messages) { S.messages = data.messages; S.version = data.version; renderMessages(); }
      if (S.info && S.info.commands.length === 0) await loadState();
    } while (S.again);
  } finally { S.loading = false; }
}
function listen() {
  const source = new EventSource("/api/events");
  source.onopen = () => { $("connection").textContent = "live"; };
  source.onmessage = () => { refresh(); };
  source.onerror = () => { $("connection").textContent = "reconnecting…"; };
}

// -- sidebar ----------------------------------------------------------------------------------------------------
function renderSidebar() {
  const channels = $("channels");
  channels.replaceChildren(...S.info.channels.map((c) => el("li", {
    class: c.id === S.channel ? "active" : "", "data-channel": c.id,
    onclick: () => { S.channel = c.id; renderSidebar(); refresh(); },
  }, `# ${c.name}`)));
  const current = S.info.channels.find((c) => c.id === S.channel);
  $("channel-name").textContent = current ? current.name : "";
  const players = $("players");
  players.replaceChildren(...S.info.players.map((p) => el("li", {
    class: p.id === S.player ? "active" : "", "data-player": p.name,
    onclick: () => { S.player = p.id; renderSidebar(); refresh(); },
  }, p.name, p.note ? el("span", { class: "note" }, p.note) : null)));
}

// -- markdown (Discord's subset), mentions and timestamps ------------------------------------------------------
function nameOf(list, id, fallback) { const x = (list || []).find((m) => m.id === id); return x ? x.name : fallback; }
// Someone the emulator does not know (a member id kept in a database from elsewhere): readable, and told apart.
function unknownMember(id) { return `member ${String(id).slice(-4)}`; }
function inline(text) {
  const codes = [];
  let t = esc(text).replace(/`([^`\n]+)`/g, (m, c) => { codes.push(c); return `\u0000${codes.length - 1}\u0000`; });
  t = t.replace(/\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g, (m, label, url) => `<a href="${url}" target="_blank" rel="noreferrer noopener">${label}</a>`)
    .replace(/\*\*(.+?)\*\*/g, "<b>$1</b>").replace(/__(.+?)__/g, "<u>$1</u>")
    .replace(/(^|[^*\w])\*(?!\s)(.+?)\*(?!\w)/g, "$1<i>$2</i>").replace(/(^|[^_\w])_(?!\s)(.+?)_(?!\w)/g, "$1<i>$2</i>")
    .replace(/~~(.+?)~~/g, "<s>$1</s>").replace(/\|\|(.+?)\|\|/g, '<span class="spoiler">$1</span>')
    .replace(/&lt;t:(-?\d+)(?::([tTdDfFR]))?&gt;/g, (m, ts, style) => `<span class="ts" data-ts="${ts}" data-style="${style || "f"}" title="${esc(new Date(ts * 1000).toLocaleString())}">${formatTs(+ts, style || "f")}</span>`)
    .replace(/&lt;@!?(\d+)&gt;/g, (m, id) => `<span class="mention">@${esc(nameOf(S.info && S.info.members, id, unknownMember(id)))}</span>`)
    .replace(/&lt;@&amp;(\d+)&gt;/g, (m, id) => `<span class="mention">@${esc(nameOf(S.info && S.info.roles, id, "deleted-role"))}</span>`)
    .replace(/&lt;#(\d+)&gt;/g, (m, id) => `<span class="mention">#${esc(nameOf(S.info && S.info.channels, id, "unknown"))}</span>`)
    .replace(/&lt;\/([\w\- ]+):\d+&gt;/g, '<span class="mention">/$1</span>')
    .replace(/&lt;a?:(\w+):\d+&gt;/g, ":$1:");
  return t.replace(/\u0000(\d+)\u0000/g, (m, i) => `<code>${codes[+i]}</code>`);
}
function markdown(text) {
  if (!text) return "";
  const parts = String(text).split(/```(?:[\w+-]*\n)?/);
  return parts.map((part, i) => {
    if (i % 2 === 1) return `<pre><code>${esc(part.replace(/\n$/, ""))}</code></pre>`;
    return part.split("\n").map((line) => {
      let m;
      if ((m = line.match(/^(#{1,3}) (.+)/))) return `<div class="md-h${m[1].length}">${inline(m[2])}</div>`;
      if ((m = line.match(/^-# (.+)/))) return `<div class="subtext">${inline(m[1])}</div>`;
      if ((m = line.match(/^>>?>? ?(.*)/))) return `<blockquote>${inline(m[1])}</blockquote>`;
      if ((m = line.match(/^(\s*)[-*] (.+)/))) return `${m[1]}• ${inline(m[2])}\n`;
      return inline(line) + "\n";
    }).join("").replace(/\n$/, "");
  }).join("");
}
function formatTs(ts, style) {
  const d = new Date(ts * 1000);
  const time = (opts) => d.toLocaleTimeString(undefined, opts);
  switch (style) {
    case "t": return time({ hour: "2-digit", minute: "2-digit" });
    case "T": return time();
    case "d": return d.toLocaleDateString();
    case "D": return d.toLocaleDateString(undefined, { dateStyle: "long" });
    case "F": return d.toLocaleString(undefined, { dateStyle: "full", timeStyle: "short" });
    case "R": {
      const diff = Math.round(ts - Date.now() / 1000), abs = Math.abs(diff);
      const units = [["year", 31536000], ["month", 2592000], ["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
      const [unit, size] = units.find(([, s]) => abs >= s) || ["second", 1];
      const n = Math.round(abs / size);
      const words = `${n} ${unit}${n === 1 ? "" : "s"}`;
      return diff >= 0 ? `in ${words}` : `${words} ago`;
    }
    default: return d.toLocaleString(undefined, { dateStyle: "long", timeStyle: "short" });
  }
}
setInterval(() => {
  for (const span of document.querySelectorAll('.ts[data-style="R"]')) span.textContent = formatTs(+span.dataset.ts, "R");
}, 1000);
document.addEventListener("click", (e) => { if (e.target.classList && e.target.classList.contains("spoiler")) e.target.classList.add("open"); });

// -- messages -----------------------------------------------------------------------------------------------------
function colour(value) { return value === undefined || value === null ? null : `#${value.toString(16).padStart(6, "0")}`; }
function attachmentUrl(msg, url) {
  if (!url) return null;
  if (url.startsWith("attachment://")) {
    const att = msg.attachments.find((a) => a.filename === url.slice("attachment://".length));
    return att ? att.url : null;
  }
  return url.startsWith("/api/") || url.startsWith("data:") ? url : null; // nothing from the network
}
function renderEmbed(msg, e) {
  const box = el("div", { class: "embed" });
  if (colour(e.color)) box.style.borderLeftColor = colour(e.color);
  const thumb = e.thumbnail && attachmentUrl(msg, e.thumbnail.url);
  if (thumb) box.append(el("img", { class: "e-thumb", src: thumb, alt: "" }));
  if (e.author && e.author.name) box.append(el("div", { class: "e-author" }, e.author.name));
  if (e.title) box.append(el("div", { class: "e-title", html: inline(e.title) }));
  if (e.description) box.append(el("div", { class: "e-desc", html: markdown(e.description) }));
  if (e.fields && e.fields.length) {
    box.append(el("div", { class: "fields" }, e.fields.map((f) => el("div", { class: `field${f.inline ? " inline" : ""}` },
      el("div", { class: "f-name", html: inline(f.name) }), el("div", { class: "f-value", html: markdown(f.value) })))));
  }
  const image = e.image && attachmentUrl(msg, e.image.url);
  if (image) box.append(el("img", { class: "e-image", src: image, alt: e.image.url }));
  const foot = [];
  if (e.footer && e.footer.text) foot.push(e.footer.text);
  if (e.timestamp) foot.push(new Date(e.timestamp).toLocaleString());
  if (foot.length) box.append(el("div", { class: "e-footer" }, foot.join(" • ")));
  return box;
}
function renderComponents(msg, comps) {
  const out = [];
  for (const c of comps || []) {
    if (c.type === 1) out.push(el("div", { class: "row" }, renderComponents(msg, c.components)));
    else if (c.type === 2) {
      const label = `${c.emoji && c.emoji.name ? c.emoji.name + " " : ""}${c.label || ""}`;
      if (c.style === 5) out.push(el("a", { class: "button-link", href: c.url, target: "_blank", rel: "noreferrer" }, `${label} ↗`));
      else out.push(el("button", {
        type: "button", class: `s${c.style || 2}`, disabled: !!c.disabled, "data-custom-id": c.custom_id,
        onclick: () => act({ message: msg.id, custom_id: c.custom_id }),
      }, label));
    } else if ([3, 5, 6, 7, 8].includes(c.type)) out.push(renderSelect(msg, c));
    else if (c.type === 10) out.push(el("div", { class: "content", html: markdown(c.content) }));
    else if (c.type === 17 || c.type === 9) out.push(el("div", { class: "embed" }, renderComponents(msg, c.components), c.accessory ? renderComponents(msg, [c.accessory]) : []));
    else if (c.type === 14) out.push(el("hr"));
  }
  return out;
}
function selectOptions(c) {
  if (c.type === 3) return (c.options || []).map((o) => ({ value: o.value, label: o.label, selected: o.default }));
  if (c.type === 5 || c.type === 7) return S.info.members.map((m) => ({ value: m.id, label: m.name }));
  if (c.type === 6) return S.info.roles.map((r) => ({ value: r.id, label: r.name }));
  return S.info.channels.map((ch) => ({ value: ch.id, label: `#${ch.name}` }));
}
function renderSelect(msg, c) {
  const multi = (c.max_values || 1) > 1;
  const sel = el("select", { "data-custom-id": c.custom_id, disabled: !!c.disabled, multiple: multi });
  if (!multi) sel.append(el("option", { value: "", disabled: true, selected: true }, c.placeholder || "Make a selection"));
  for (const o of selectOptions(c)) sel.append(el("option", { value: o.value }, o.label));
  const send = () => {
    const values = [...sel.selectedOptions].map((o) => o.value).filter((v) => v !== "");
    if (values.length) act({ message: msg.id, custom_id: c.custom_id, values });
  };
  if (multi) return el("div", { class: "row" }, sel, el("button", { type: "button", class: "s1", onclick: send }, "Choose"));
  sel.addEventListener("change", send);
  return sel;
}
function renderMessage(msg) {
  const name = msg.author.global_name || msg.author.username;
  const body = el("div", { class: "body" });
  if (msg.invoked) {
    body.append(el("div", { class: "invoked" }, "↳ ", el("b", {}, msg.invoked.user), ` ${msg.invoked.action}`));
  }
  body.append(el("div", { class: "head" }, el("span", { class: "author" }, name), msg.author.bot ? el("span", { class: "tag" }, "APP") : null,
    el("span", { class: "time", title: new Date(msg.timestamp).toLocaleString() }, new Date(msg.timestamp).toLocaleTimeString()),
    msg.edited_timestamp ? el("span", { class: "edited", title: new Date(msg.edited_timestamp).toLocaleString() }, "(edited)") : null));
  if (msg.loading) body.append(el("div", { class: "thinking" }, `${name} is thinking…`));
  if (msg.content) body.append(el("div", { class: "content", html: markdown(msg.content) }));
  for (const e of msg.embeds || []) body.append(renderEmbed(msg, e));
  const inEmbeds = new Set((msg.embeds || []).flatMap((e) => [e.image, e.thumbnail]).filter(Boolean).map((i) => i.url));
  for (const a of msg.attachments || []) {
    if (inEmbeds.has(`attachment://${a.filename}`)) continue;
    const isImage = (a.content_type || "").startsWith("image/") || /\.(png|jpe?g|gif|webp)$/i.test(a.filename);
    body.append(el("div", { class: "attachment" }, isImage ? el("a", { href: `${a.url}?download=1`, download: a.filename }, el("img", { src: a.url, alt: a.filename }))
      : el("div", { class: "file" }, "📄", el("a", { href: `${a.url}?download=1`, download: a.filename, "data-attachment": a.filename }, a.filename), el("span", { class: "hint" }, `${a.size.toLocaleString()} bytes`))));
  }
  body.append(...renderComponents(msg, msg.components));
  if (msg.ephemeral) body.append(el("div", { class: "eph-note" }, "👁 Only you can see this"));
  const wrap = el("div", { class: `msg${msg.ephemeral ? " ephemeral" : ""}`, "data-message-id": msg.id, "data-ephemeral": msg.ephemeral ? "true" : "false" },
    el("div", { class: "avatar" }, name.slice(0, 1).toUpperCase()), body);
  return wrap;
}
// Whether the channel follows its newest message is decided by the reader's scrolling only: the composer
// growing or shrinking (options, errors) changes the box's height, never that choice.
function nearBottom(box) { return box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_BOTTOM; }
function toBottom() { const box = $("messages"); box.scrollTop = box.scrollHeight; }
function renderMessages() {
  const box = $("messages");
  box.replaceChildren(...S.messages.map(renderMessage));
  if (S.stick) toBottom();
}
async function act(body) {
  handleOutcome(await api("/api/click", { member: S.player, ...body }));
}

// -- slash commands -------------------------------------------------------------------------------------------
function flattenCommands(commands) {
  const out = [];
  const walk = (node, path) => {
    const subs = (node.options || []).filter((o) => o.type === 1 || o.type === 2);
    if (subs.length) { for (const s of subs) walk(s, `${path} ${s.name}`); return; }
    out.push({ path, description: node.description, options: node.options || [] });
  };
  for (const c of commands) walk(c, c.name);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
function showCommandList() {
  const typed = $("command-input").value;
  const text = typed.replace(/^\/+/, "").trim().toLowerCase().replace(/\s+/g, " ");
  const list = $("command-list");
  if ((typed && !typed.startsWith("/")) || (S.command && `/${S.command.path}` === typed.trim())) { list.hidden = true; return; }
  const found = S.commands.filter((c) => c.path.startsWith(text) || c.path.includes(text));
  list.replaceChildren(...(found.length ? found : []).map((c) => el("div", {
    class: "cmd", "data-command": c.path, onclick: () => chooseCommand(c),
  }, el("span", {}, `/${c.path}`), el("span", { class: "cmd-desc" }, c.description))));
  if (!found.length) list.append(el("div", { class: "hint" }, S.commands.length ? "No command matches" : "The bot has not synced its commands yet"));
  list.hidden = false;
}
function chooseCommand(c) {
  S.command = c;
  $("command-input").value = `/${c.path}`;
  $("command-list").hidden = true;
  const box = $("options");
  box.replaceChildren(...c.options.map((o) => optionField(c, o)));
  const first = box.querySelector("input, select");
  (first || $("command-input")).focus();
}
function optionField(cmd, o) {
  let input;
  const id = `opt-${o.name}`;
  if (o.choices && o.choices.length) {
    input = el("select", { id, name: o.name }, el("option", { value: "" }, o.required ? "Choose…" : "(none)"),
      o.choices.map((ch) => el("option", { value: ch.value }, ch.name)));
  } else if (o.type === 4 || o.type === 10) {
    input = el("input", { id, name: o.name, type: "text", inputmode: o.type === 4 ? "numeric" : "decimal", placeholder: rangeText(o) });
  } else if (o.type === 5) {
    input = el("select", { id, name: o.name }, el("option", { value: "" }, "(none)"), el("option", { value: "true" }, "True"), el("option", { value: "false" }, "False"));
  } else if (o.type === 6 || o.type === 9) {
    input = el("select", { id, name: o.name }, el("option", { value: "" }, "(none)"), S.info.members.map((m) => el("option", { value: m.id }, m.name)));
  } else if (o.type === 7) {
    input = el("select", { id, name: o.name }, el("option", { value: "" }, "(none)"), S.info.channels.map((ch) => el("option", { value: ch.id }, `#${ch.name}`)));
  } else if (o.type === 8) {
    input = el("select", { id, name: o.name }, el("option", { value: "" }, "(none)"), S.info.roles.map((r) => el("option", { value: r.id }, r.name)));
  } else if (o.type === 11) {
    input = el("input", { id, name: o.name, type: "file" });
  } else {
    input = el("input", { id, name: o.name, type: "text", minlength: o.min_length, maxlength: o.max_length, list: o.autocomplete ? `${id}-list` : null });
    if (o.autocomplete) {
      const list = el("datalist", { id: `${id}-list` });
      let timer = null;
      const ask = () => { clearTimeout(timer); timer = setTimeout(() => autocomplete(cmd, o, input, list), 200); };
      input.addEventListener("input", ask);
      input.addEventListener("focus", ask);
      return el("label", { class: "opt" }, el("span", { class: "opt-name" }, o.name, o.required ? el("span", { class: "req" }, " *") : null),
        input, list, el("span", { class: "opt-desc" }, o.description));
    }
  }
  if (o.required) input.setAttribute("data-required", "true");
  return el("label", { class: "opt" }, el("span", { class: "opt-name" }, o.name, o.required ? el("span", { class: "req" }, " *") : null),
    input, el("span", { class: "opt-desc" }, o.description));
}
function rangeText(o) {
  if (o.min_value !== undefined && o.max_value !== undefined) return `${o.min_value}-${o.max_value}`;
  if (o.min_value !== undefined) return `≥ ${o.min_value}`;
  return o.max_value !== undefined ? `≤ ${o.max_value}` : "";
}
function currentOptions(except) {
  const options = {};
  for (const input of $("options").querySelectorAll("input, select")) {
    if (input.type === "file" || input.name === except) continue;
    if (input.value !== "") options[input.name] = input.value;
  }
  return options;
}
async function autocomplete(cmd, o, input, list) {
  const options = currentOptions(o.name);
  options[o.name] = input.value;
  const out = await api("/api/autocomplete", { member: S.player, channel: S.channel, command: cmd.path, options, focused: o.name });
  list.replaceChildren(...(out.choices || []).map((c) => el("option", { value: c.value }, c.name)));
  input.dataset.choices = JSON.stringify(out.choices || []);
}
function badOption(o, value) {
  if (o.type === 4 && !INTEGER.test(value.trim())) return `${o.name}: “${value}” is not a whole number`;
  if (o.type === 10 && !NUMBER.test(value.trim())) return `${o.name}: “${value}” is not a number`;
  return null;
}
async function sendCommand(ev) {
  ev.preventDefault();
  const raw = $("command-input").value.trim();
  if (raw && !raw.startsWith("/")) {
    showError(`Commands start with /: Discord would post “${raw}” as a plain message. Type / to pick one of the bot's commands.`);
    return;
  }
  const typed = raw.replace(/^\/+/, "").replace(/\s+/g, " ");
  const cmd = S.commands.find((c) => c.path === typed);
  if (!cmd) { showError(typed ? `/${typed} is not one of the bot's commands` : "Type / to pick a command"); return; }
  const options = currentOptions(null);
  for (const o of cmd.options) {
    if (o.required && options[o.name] === undefined && o.type !== 11) { showError(`${o.name} is required`); return; }
    const bad = options[o.name] === undefined ? null : badOption(o, options[o.name]);
    if (bad) { showError(bad); return; }
  }
  for (const input of $("options").querySelectorAll('input[type="file"]')) {
    const file = input.files && input.files[0];
    const o = cmd.options.find((x) => x.name === input.name);
    if (!file) { if (o && o.required) { showError(`${o.name} is required`); return; } continue; }
    if (file.size > S.info.upload_limit) { showError(`Your files are too powerful: ${file.name} is ${file.size.toLocaleString()} bytes, the limit is ${S.info.upload_limit.toLocaleString()}`); return; }
    const form = new FormData();
    form.append("file", file, file.name);
    const res = await fetch("/api/upload", { method: "POST", body: form });
    const up = await res.json();
    if (up.error) { showError(up.error); return; }
    options[input.name] = up.id;
  }
  $("send").disabled = true;
  try {
    const out = await api("/api/command", { member: S.player, channel: S.channel, command: cmd.path, options });
    if (!out.error) clearComposer();
    // As in Discord, sending takes you to the newest message, where the reply is about to appear.
    S.stick = true;
    toBottom();
    handleOutcome(out);
  } finally { $("send").disabled = false; }
}
function clearComposer() {
  S.command = null;
  $("command-input").value = "";
  $("options").replaceChildren();
  $("command-list").hidden = true;
}

// -- modals ---------------------------------------------------------------------------------------------------
function modalInput(c) {
  if (c.type === 4) {
    const attrs = { name: c.custom_id, "data-custom-id": c.custom_id, required: c.required !== false, minlength: c.min_length, maxlength: c.max_length, placeholder: c.placeholder };
    const input = c.style === 2 ? el("textarea", attrs) : el("input", { ...attrs, type: "text" });
    input.value = c.value || "";
    return input;
  }
  // As in Discord, a select starts with nothing picked (unless the app marked a default) and shows its
  // placeholder; a required one left empty blocks the submit, an optional one sends no value.
  const multi = (c.max_values || 1) > 1;
  const required = c.required !== false;
  const min = c.min_values ?? (required ? 1 : 0);
  const sel = el("select", {
    name: c.custom_id, "data-custom-id": c.custom_id, multiple: multi, "data-select": "true",
    "data-required": required ? "true" : null, "data-min": String(required ? Math.max(min, 1) : min),
    "data-max": String(c.max_values || 1), "data-label": c.label || c.placeholder || c.custom_id,
  });
  const options = selectOptions(c);
  if (!multi) {
    const picked = options.some((o) => o.selected);
    sel.append(el("option", { value: "", selected: !picked, disabled: required, class: "placeholder" }, c.placeholder || "Make a selection"));
  }
  for (const o of options) sel.append(el("option", { value: o.value, selected: !!o.selected }, o.label));
  return sel;
}
function selectValues(sel) { return [...sel.selectedOptions].map((o) => o.value).filter((v) => v !== ""); }
function openModal(modal, interaction) {
  $("modal-title").textContent = modal.title;
  const fields = [];
  for (const row of modal.components || []) {
    if (row.type === 1) for (const c of row.components || []) fields.push(el("div", { class: "mfield" }, el("label", {}, c.label || c.custom_id, c.required !== false ? el("span", { class: "req" }, " *") : null), modalInput(c)));
    else if (row.type === 18) {
      const c = { ...row.component, label: row.label };
      fields.push(el("div", { class: "mfield" }, el("label", {}, row.label, c.required !== false ? el("span", { class: "req" }, " *") : null),
        row.description ? el("div", { class: "mdesc" }, row.description) : null, modalInput(c)));
    }
    else if (row.type === 10) fields.push(el("div", { class: "mfield", html: markdown(row.content) }));
  }
  $("modal-fields").replaceChildren(...fields);
  showModalError("");
  $("modal").dataset.interaction = interaction;
  $("modal-backdrop").hidden = false;
  const first = $("modal-fields").querySelector("input, textarea, select");
  if (first) first.focus();
}
function closeModal() { $("modal-backdrop").hidden = true; $("modal-fields").replaceChildren(); showModalError(""); }
function showModalError(text) { const box = $("modal-error"); box.hidden = !text; box.textContent = text || ""; }
async function submitModal(ev) {
  ev.preventDefault();
  const values = {};
  for (const input of $("modal-fields").querySelectorAll("[data-custom-id]")) {
    if (!input.dataset.select) { values[input.dataset.customId] = input.value; continue; }
    const chosen = selectValues(input);
    const min = +input.dataset.min;
    if (chosen.length < min && (input.dataset.required || chosen.length > 0)) {
      showModalError(`${input.dataset.label}: this field is required; pick ${min === 1 ? "an option" : `at least ${min} options`}`);
      input.focus();
      return;
    }
    values[input.dataset.customId] = chosen;
  }
  const interaction = $("modal").dataset.interaction;
  closeModal();
  handleOutcome(await api("/api/modal", { member: S.player, interaction, values }));
}

// -- crowd ----------------------------------------------------------------------------------------------------
async function crowd() {
  const raw = $("crowd-count").value.trim();
  const count = Number(raw);
  if (!INTEGER.test(raw) || count < 1 || count > MAX_CROWD) {
    $("crowd-status").textContent = `The crowd is 1 to ${MAX_CROWD} members${raw ? `, not ${raw}` : ""}`;
    return;
  }
  $("crowd-status").textContent = "…";
  const out = await api("/api/crowd", { channel: S.channel, count });
  if (out.error) { $("crowd-status").textContent = out.error; return; }
  $("crowd-status").textContent = `${out.answered} of ${out.pressed} answered`;
  await loadState();
  refresh();
}

// -- start ----------------------------------------------------------------------------------------------------
window.addEventListener("DOMContentLoaded", async () => {
  $("composer").addEventListener("submit", sendCommand);
  $("command-input").addEventListener("input", () => {
    if (S.command && $("command-input").value.trim() !== `/${S.command.path}`) { S.command = null; $("options").replaceChildren(); }
    showCommandList();
  });
  $("command-input").addEventListener("focus", showCommandList);
  document.addEventListener("click", (e) => { if (!$("composer").contains(e.target)) $("command-list").hidden = true; });
  $("command-input").addEventListener("keydown", (e) => {
    if (e.key === "Escape") $("command-list").hidden = true;
    if (e.key === "Tab" || (e.key === "Enter" && !S.command)) {
      const first = $("command-list").querySelector(".cmd");
      if (first && !$("command-list").hidden) { e.preventDefault(); first.click(); }
    }
  });
  $("modal").addEventListener("submit", submitModal);
  $("modal-close").addEventListener("click", closeModal);
  $("modal-cancel").addEventListener("click", closeModal);
  $("crowd-go").addEventListener("click", crowd);
  const box = $("messages");
  box.addEventListener("scroll", () => { S.stick = nearBottom(box); });
  new ResizeObserver(() => { if (S.stick) toBottom(); }).observe(box);
  await loadState();
  await refresh();
  listen();
  setInterval(async () => { if (S.info.commands.length === 0) await loadState(); }, 1000);
});
