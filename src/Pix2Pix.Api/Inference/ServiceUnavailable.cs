namespace Pix2Pix.Api.Inference;

/// <summary>
/// The request was fine but cannot be served: the queue is full or a model is loading (retry after RetryAfterSeconds),
/// or a model failed to load (null: retrying will not help until an operator replaces the file).
/// </summary>
public sealed class ServiceUnavailable(string title, string detail, int? retryAfterSeconds) : Exception(detail)
{
    public string Title { get; } = title;
    public int? RetryAfterSeconds { get; } = retryAfterSeconds;
}
