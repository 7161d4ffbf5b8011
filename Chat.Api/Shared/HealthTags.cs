namespace Chat.Api.Shared;

public static class HealthTags
{
    /// <summary>Checks behind <c>/health/ready</c>: the dependencies a replica needs to serve.</summary>
    public const string Ready = "ready";
}
