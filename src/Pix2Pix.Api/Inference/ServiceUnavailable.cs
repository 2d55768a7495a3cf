namespace Pix2Pix.Api.Inference;

/// <summary>The request was fine but cannot be served now: queue full, model not ready or broken.</summary>
public sealed class ServiceUnavailable(string title, string detail, int retryAfterSeconds) : Exception(detail)
{
    public string Title { get; } = title;
    public int RetryAfterSeconds { get; } = retryAfterSeconds;
}
