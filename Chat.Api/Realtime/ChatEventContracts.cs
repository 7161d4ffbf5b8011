using Chat.Api.Shared;

namespace Chat.Api.Realtime;

// Every event of a write carries its change-feed position: a client that reconnects asks events?after= the last it saw.

/// <summary><c>messageCreated</c> and <c>messageUpdated</c>: the message as GET returns it.</summary>
public sealed record MessageEvent(long Seq, int Chat, int Number, MessageResponse Message);

/// <summary><c>messageDeleted</c>.</summary>
public sealed record MessageDeletedEvent(long Seq, int Chat, int Number);

/// <summary><c>receiptUpdated</c>: a member's cursors moved; statuses of messages up to them may have changed.</summary>
public sealed record ReceiptEvent(long Seq, int Chat, string User, int DeliveredUpTo, int ReadUpTo);

/// <summary><c>typing</c>: sent to the other connections in the chat, never stored.</summary>
public sealed record TypingEvent(int Chat, string User);

/// <summary>What <c>Join</c> answers: fetch <c>events?after=</c> the last position you saw (or <c>messages?after=</c> the last number) to catch up.</summary>
public sealed record JoinedChat(int Chat, int LastMessage);

/// <summary><c>reactionAdded</c> / <c>reactionRemoved</c>: who reacted with what, and the message's counts after it.</summary>
public sealed record ReactionEvent(long Seq, int Chat, int Number, ReactionResponse Reaction);
