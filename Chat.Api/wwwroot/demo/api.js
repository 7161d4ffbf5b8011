// The HTTP API of one application, as README "HTTP API" documents it. Every call carries the user token when there
// is one (an application in user_tokens mode refuses the path token alone).

export class ApiError extends Error {
  constructor(status, detail) {
    super(`${status} ${detail}`);
    this.status = status;
  }
}

export function createApi({ token, userToken }) {
  const base = `/applications/${encodeURIComponent(token)}`;

  async function call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (userToken) headers.Authorization = `Bearer ${userToken}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 204) return null;
    const json = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, json?.detail ?? json?.title ?? response.statusText);
    return json;
  }

  const user = (id) => encodeURIComponent(id);
  return {
    chatsOf: (me) => call('GET', `/users/${user(me)}/chats?limit=200`),
    /** Newest first. */
    messages: (chat) => call('GET', `/chats/${chat}/messages?limit=50`),
    send: (chat, sender, body) => call('POST', `/chats/${chat}/messages`, { body, sender }),
    members: (chat) => call('GET', `/chats/${chat}/members?limit=200`),
    /** Cursors only move forward: a lower report changes nothing. Read implies delivered. */
    receipt: (chat, me, cursors) => call('POST', `/chats/${chat}/receipts`, { user: me, ...cursors }),
    presence: (id) => call('GET', `/users/${user(id)}/presence`),
    search: (chat, q) => call('GET', `/chats/${chat}/messages/search?q=${encodeURIComponent(q)}&limit=20`),
    /** The change feed: every change after a position, in order (README "Change feed"). */
    events: (after) => call('GET', `/events?after=${after}&limit=200`),
  };
}
