using System.Net;
using System.Net.Sockets;

namespace Chat.Domain.Webhooks;

/// <summary>
/// Where a webhook may point (API.md): https, and only public addresses, unless <c>Webhooks:AllowPrivateTargets</c>.
/// Checked at registration, and again on every connection the worker opens (<see cref="ConnectAsync"/>), against the
/// addresses it actually connects to: a name that resolved to a public address at registration and to 127.0.0.1 later
/// (DNS rebinding) is refused then.
/// </summary>
public static class WebhookTargets
{
    public const int MaxUrlLength = 2048;

    /// <summary>The reason a URL cannot be a webhook, before any lookup; null when its form is acceptable.</summary>
    public static string? ProblemWithForm(string url, bool allowPrivate)
    {
        if (url.Length > MaxUrlLength) return $"must have at most {MaxUrlLength} characters.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return "must be an absolute URL.";
        if (uri.Scheme != Uri.UriSchemeHttps && !(allowPrivate && uri.Scheme == Uri.UriSchemeHttp)) return "must be an https:// URL.";
        if (!string.IsNullOrEmpty(uri.UserInfo)) return "must not carry credentials.";
        if (!allowPrivate && uri.IsLoopback) return "must not point to a loopback, private or link-local address.";
        return null;
    }

    /// <summary>Resolves the host: null when every address is allowed, else why not.</summary>
    public static async Task<string?> ProblemWithAddressesAsync(Uri uri, bool allowPrivate, CancellationToken ct)
    {
        if (allowPrivate) return null;
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.IdnHost, ct);
        }
        catch (SocketException)
        {
            return "has a host name that does not resolve.";
        }
        return addresses.Length == 0 ? "has a host name that does not resolve."
            : addresses.All(IsPublic) ? null : "must not point to a loopback, private or link-local address.";
    }

    /// <summary>
    /// The worker's connection callback (SocketsHttpHandler.ConnectCallback): resolves, refuses private addresses unless
    /// allowed, and connects to an address it checked, so no second lookup can swap it.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint target, bool allowPrivate, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(target.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(target.Host, ct);
        var allowed = addresses.Where(a => allowPrivate || IsPublic(a)).ToArray();
        if (allowed.Length == 0) throw new HttpRequestException($"{target.Host} resolves to no public address; webhooks may not target it.");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, target.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>False for loopback, private (RFC 1918, unique local), link-local, carrier-grade NAT, unspecified and multicast addresses.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
            return false;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
                     || address.GetAddressBytes()[0] == 0);
        var b = address.GetAddressBytes();
        return !(b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224
                 || (b[0] == 172 && b[1] is >= 16 and <= 31)
                 || (b[0] == 192 && b[1] == 168)
                 || (b[0] == 169 && b[1] == 254)
                 || (b[0] == 100 && b[1] is >= 64 and <= 127)
                 || (b[0] == 192 && b[1] == 0 && b[2] == 0));
    }
}
