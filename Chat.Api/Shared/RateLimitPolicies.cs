namespace Chat.Api.Shared;

/// <summary>Named rate limiter policies (RateLimiting defines them) that endpoints of other features ask for.</summary>
public static class RateLimitPolicies
{
    /// <summary>Per client address, for requests that name no application: creating one.</summary>
    public const string PerClientAddress = "per-client-address";
}
