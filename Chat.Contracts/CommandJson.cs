using System.Text.Json;
using System.Text.Json.Serialization;

namespace Chat.Contracts;

/// <summary>The one JSON shape of commands on the queue and of pending states in Redis.</summary>
public static class CommandJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static byte[] Serialize(Command command) => JsonSerializer.SerializeToUtf8Bytes(command, Options);

    /// <summary>Null when the bytes are not a command this version understands (a poison message).</summary>
    public static Command? TryDeserialize(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize<Command>(body, Options);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            return null; // missing or unknown "type" discriminator
        }
    }
}
