namespace Chat.Api.Messages;

public static class MessagesApi
{
    public static IHostApplicationBuilder AddMessages(this IHostApplicationBuilder builder) => builder;

    public static void MapMessages(this IEndpointRouteBuilder app) { }
}
