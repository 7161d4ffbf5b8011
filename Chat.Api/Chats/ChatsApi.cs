namespace Chat.Api.Chats;

public static class ChatsApi
{
    public static IHostApplicationBuilder AddChats(this IHostApplicationBuilder builder) => builder;

    public static void MapChats(this IEndpointRouteBuilder app) { }
}
