// The demo page: one user of one application. State lives here; api.js speaks HTTP, hub.js speaks SignalR.
import { createApi } from './api.js';
import { connectHub } from './hub.js';

const $ = (selector) => document.querySelector(selector);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let api, hub, me;
const chats = new Map(); // number -> { number, name, unread }
let open = null; // the open chat's number
let messages = new Map(); // the open chat's messages: number -> message as the API returns it
let members = new Map(); // the open chat's members: user -> { user, delivered_up_to, read_up_to, online }
let lastSeq = 0; // the highest change-feed position seen: where a reconnect catches up from
const seen = new Set(); // positions applied: the feed repeats what the hub already delivered
let typingSentAt = 0;
let typingTimer;

// ---- connecting ------------------------------------------------------------------------------------------------

const params = new URLSearchParams(location.search);
for (const name of ['token', 'user', 'userToken']) if (params.has(name)) $('#connect').elements[name].value = params.get(name);

$('#connect').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target.elements;
  const token = form.token.value.trim();
  const userToken = form.userToken.value.trim() || undefined;
  me = form.user.value.trim();
  form[form.length - 1].disabled = true;
  try {
    api = createApi({ token, userToken });
    hub = await connectHub({ token, userToken, on: onHubEvent, onState: showState, onReconnected: catchUp });
    await loadChats();
    $('#app').hidden = false;
    showError(null);
  } catch (error) {
    showError(error);
    form[form.length - 1].disabled = false;
  }
});

/**
 * The user's chats, each joined as that member (presence, typing, events). What a chat holds when it is joined has
 * reached this device, whether it came live or not (sent before the join, or while a reconnect was under way): it is
 * reported delivered, which the senders' second tick waits for.
 */
async function loadChats() {
  const { data } = await api.chatsOf(me);
  chats.clear();
  for (const chat of data) chats.set(chat.number, { number: chat.number, name: chat.name, unread: chat.unread_count });
  renderChats();
  for (const chat of data) {
    const { last_message: last } = await join(chat.number);
    if (last > chat.delivered_up_to) reportDelivered(chat.number, last);
  }
}

/** A connection may join 10 chats a second; past that the hub answers 429 and we wait. */
async function join(chat) {
  for (;;) {
    try {
      return await hub.join(chat, me);
    } catch (error) {
      if (!/\b429\b/.test(error.message)) throw error;
      await sleep(1100);
    }
  }
}

/** After a reconnect: join again first, then read the feed after the last position seen, so nothing falls between. */
async function catchUp() {
  try {
    await loadChats();
    if (!lastSeq) {
      // No event seen yet, so no position to resume from: read the open chat again.
      if (open) await openChat(open);
      return;
    }
    for (let after = lastSeq; ; ) {
      const page = await api.events(after);
      if (page.data.length === 0) break;
      for (const change of page.data) applyFeedChange(change);
      after = page.data.at(-1).seq;
    }
  } catch (error) {
    showError(error);
  }
}

// ---- events: from the hub live, from the feed after a reconnect ---------------------------------------------------

/** True the first time a position is seen. */
function fresh(seq) {
  if (seen.has(seq)) return false;
  seen.add(seq);
  lastSeq = Math.max(lastSeq, seq);
  return true;
}

function onHubEvent(name, event) {
  if (name === 'typing') return showTyping(event);
  if (!fresh(event.seq)) return;
  if (name === 'messageCreated' || name === 'messageUpdated') messageChanged(event.chat, event.message, name === 'messageCreated');
  else if (name === 'messageDeleted') messageDeleted(event.chat, event.number);
  else if (name === 'receiptUpdated') receiptChanged(event.chat, event.user, event);
}

function applyFeedChange(change) {
  if (!fresh(change.seq)) return;
  // `data` is the thing as its GET returns it now: null once deleted. Unread counts came fresh with loadChats.
  if (change.type === 'message.created' || change.type === 'message.updated') {
    if (change.data) messageChanged(change.chat, change.data, false);
  } else if (change.type === 'message.deleted') messageDeleted(change.chat, change.number);
  else if (change.type === 'receipt.updated' && change.data) receiptChanged(change.chat, change.user, change.data);
}

/** live: a new message, as it happened (not an edit, not one caught up from the feed: loadChats reported those). */
function messageChanged(chat, message, live) {
  if (chat === open) {
    if (live) seenOnline(message.sender);
    messages.set(message.number, message);
    renderMessages();
    markRead();
  } else if (live && message.sender !== me && chats.has(chat)) {
    chats.get(chat).unread += 1;
    renderChats();
    reportDelivered(chat, message.number);
  }
}

/** Delivered receipts are what the sender's ticks wait for: a failed report is tried again before it is shown. */
async function reportDelivered(chat, number) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await api.receipt(chat, me, { delivered_up_to: number });
    } catch (error) {
      if (attempt === 3) return showError(error);
      await sleep(1000 * attempt);
    }
  }
}

function messageDeleted(chat, number) {
  if (chat !== open) return;
  messages.delete(number);
  renderMessages();
}

function receiptChanged(chat, user, cursors) {
  if (chat !== open || !members.has(user)) return;
  Object.assign(members.get(user), { delivered_up_to: cursors.delivered_up_to, read_up_to: cursors.read_up_to });
  renderMessages();
}

function showTyping({ chat, user }) {
  if (chat !== open || user === me) return;
  seenOnline(user);
  $('#typing').textContent = `${user} is typing…`;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => ($('#typing').textContent = ''), 3000);
}

// ---- the open chat ---------------------------------------------------------------------------------------------

async function openChat(number) {
  const [history, roster] = await Promise.all([api.messages(number), api.members(number)]);
  open = number;
  messages = new Map(history.data.map((m) => [m.number, m]));
  members = new Map(roster.data.map((m) => [m.user, { ...m, online: undefined }]));
  $('#chat').hidden = false;
  $('#chat-title').textContent = chats.get(number)?.name || `Chat ${number}`;
  $('#results').replaceChildren();
  renderChats();
  renderMessages();
  renderMembers();
  await markRead();
  await refreshPresence();
}

/** Reports the open chat read up to its last message (read implies delivered); the API ignores a lower cursor. */
async function markRead() {
  const last = Math.max(0, ...messages.keys());
  const mine = members.get(me);
  if (!mine || mine.read_up_to >= last) return;
  mine.read_up_to = mine.delivered_up_to = last;
  if (chats.has(open)) chats.get(open).unread = 0;
  renderChats();
  await api.receipt(open, me, { read_up_to: last }).catch(showError);
}

async function refreshPresence() {
  const others = [...members.values()].filter((m) => m.user !== me);
  await Promise.all(others.map(async (m) => (m.online = (await api.presence(m.user).catch(() => ({}))).online)));
  renderMembers();
}
setInterval(() => open && refreshPresence(), 10_000);

/** Presence has no event: between reads of it, someone who types or sends right now is online. */
function seenOnline(user) {
  const member = members.get(user);
  if (!member || member.online || user === me) return;
  member.online = true;
  renderMembers();
}

$('#composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = event.target.elements.body;
  const body = input.value;
  input.value = '';
  try {
    const message = await api.send(open, me, body);
    messageChanged(open, message, true);
  } catch (error) {
    input.value = body;
    showError(error);
  }
});

$('#composer').elements.body.addEventListener('input', () => {
  if (Date.now() - typingSentAt < 2000) return; // the hub drops more than 3 a second anyway
  typingSentAt = Date.now();
  hub.typing(open).catch(() => {});
});

$('#search').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const { data } = await api.search(open, event.target.elements.q.value);
    $('#results').replaceChildren(
      ...data.map((hit) => item({ 'data-number': hit.number }, text('span', 'sender', hit.sender ?? ''), highlighted(hit.body, hit.matches))),
    );
    if (data.length === 0) $('#results').append(item({ class: 'none' }, 'No message contains that.'));
  } catch (error) {
    showError(error);
  }
});

$('#refresh').addEventListener('click', () => loadChats().catch(showError));

// ---- rendering -------------------------------------------------------------------------------------------------

/** A message's status as the API defines it: read when every other member read it, delivered when every one has it. */
function status(message) {
  const others = [...members.values()].filter((m) => m.user !== message.sender);
  if (others.length === 0) return 'sent';
  if (others.every((m) => m.read_up_to >= message.number)) return 'read';
  if (others.every((m) => m.delivered_up_to >= message.number)) return 'delivered';
  return 'sent';
}

function renderChats() {
  $('#chats').replaceChildren(
    ...[...chats.values()].map((chat) => {
      const button = text('button', '', chat.name || `Chat ${chat.number}`);
      button.addEventListener('click', () => openChat(chat.number).catch(showError));
      const badge = text('span', 'unread', chat.unread > 0 ? String(chat.unread) : '');
      return item({ 'data-chat': chat.number, class: chat.number === open ? 'open' : '' }, button, badge);
    }),
  );
}

function renderMessages() {
  const list = $('#messages');
  list.replaceChildren(
    ...[...messages.values()]
      .sort((a, b) => a.number - b.number)
      .map((m) => {
        const mine = m.sender === me;
        const li = item({ 'data-number': m.number, class: mine ? 'mine' : '' }, text('span', 'sender', m.sender ?? ''), text('span', 'body', m.body));
        li.append(text('time', '', new Date(m.created_at).toLocaleTimeString()));
        if (mine) {
          const tick = status(m);
          li.append(element('span', { class: 'tick', 'data-status': tick, title: tick }, tick === 'sent' ? '✓' : '✓✓'));
        }
        return li;
      }),
  );
  list.scrollTop = list.scrollHeight;
}

function renderMembers() {
  $('#members').replaceChildren(
    ...[...members.values()].map((m) =>
      item({ 'data-user': m.user, 'data-online': m.user === me ? 'true' : String(Boolean(m.online)) }, m.user === me ? `${m.user} (you)` : m.user)),
  );
}

/** The body with each match of the search marked; text only, never HTML from a message. */
function highlighted(body, matches) {
  const span = text('span', 'body', '');
  let at = 0;
  for (const { start, length } of matches) {
    span.append(body.slice(at, start), text('mark', '', body.slice(start, start + length)));
    at = start + length;
  }
  span.append(body.slice(at));
  return span;
}

function text(tag, className, content) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  element.textContent = content;
  return element;
}

function item(attributes, ...children) {
  return element('li', attributes, ...children);
}

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== '') node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function showState(state) {
  $('#connection').textContent = state;
  $('#connection').dataset.state = state;
}

function showError(error) {
  if (error) console.error(String(error.message ?? error)); // where a test run's log sees it
  $('#error').hidden = !error;
  $('#error').textContent = error ? String(error.message ?? error) : '';
}
