using System.ComponentModel.DataAnnotations;

namespace Chat.Domain;

/// <summary>The <c>ConnectionStrings</c> section (<c>ConnectionStrings__MySql</c> etc. in the environment).</summary>
public sealed class ConnectionStringsOptions
{
    public const string Section = "ConnectionStrings";

    [Required(ErrorMessage = "ConnectionStrings:MySql is required, e.g. Server=127.0.0.1;Database=chat;User ID=chat;Password=chat")]
    public string MySql { get; set; } = "";

    [Required(ErrorMessage = "ConnectionStrings:Redis is required, e.g. 127.0.0.1:6379")]
    public string Redis { get; set; } = "";

    [Required(ErrorMessage = "ConnectionStrings:RabbitMq is required, e.g. amqp://chat:chat@127.0.0.1:5672/chat")]
    public string RabbitMq { get; set; } = "";
}
