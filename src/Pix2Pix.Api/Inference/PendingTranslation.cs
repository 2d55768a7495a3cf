using System.Diagnostics;

namespace Pix2Pix.Api.Inference;

/// <summary>One request's input waiting in a model's queue, and the promise of its output.</summary>
internal sealed class PendingTranslation(float[] input, CancellationToken cancellation, ActivityContext parent, bool counted)
{
    /// <summary>False for the service's own warm-up translations, which the metrics leave out.</summary>
    public bool Counted { get; } = counted;

    public float[] Input { get; } = input;
    public CancellationToken Cancellation { get; } = cancellation;
    public ActivityContext Parent { get; } = parent;
    public long EnqueuedAt { get; } = Stopwatch.GetTimestamp();
    public TaskCompletionSource<float[]> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
