// The SignalR hub /hubs/chat (README "Real-time events"), through the official browser client loaded by index.html
// as the global `signalR`.

const EVENTS = ['messageCreated', 'messageUpdated', 'messageDeleted', 'receiptUpdated', 'typing'];

/**
 * Connects and keeps reconnecting for ever (SignalR's default gives up after four tries). Groups do not survive a
 * reconnect: `onReconnected` must join again and then catch up through the change feed.
 */
export async function connectHub({ token, userToken, on, onState, onReconnected }) {
  const { HubConnectionBuilder, LogLevel } = window.signalR;
  // With a user token the connection is that user of the application named in the URL.
  const url = userToken ? `/hubs/chat?application=${encodeURIComponent(token)}` : '/hubs/chat';
  const connection = new HubConnectionBuilder()
    .withUrl(url, userToken ? { accessTokenFactory: () => userToken } : {})
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ({ previousRetryCount }) => Math.min(500 * 2 ** previousRetryCount, 10_000) })
    .configureLogging(LogLevel.Warning)
    .build();
  for (const name of EVENTS) connection.on(name, (payload) => on(name, payload));
  connection.onreconnecting(() => onState('reconnecting'));
  connection.onreconnected(async () => {
    onState('online');
    await onReconnected();
  });
  connection.onclose(() => onState('offline'));

  onState('connecting');
  await connection.start();
  onState('online');
  return {
    /** As member `user`: presence online, typing allowed. Answers {chat, last_message}. */
    join: (chat, user) => connection.invoke('Join', token, chat, user),
    typing: (chat) => connection.invoke('Typing', token, chat),
    stop: () => connection.stop(),
  };
}
