using System.Diagnostics;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// One request's input waiting in a model's queue, where its output goes, and the promise that it has been written there.
/// </summary>
internal sealed class PendingTranslation(ReadOnlyMemory<float> input, Memory<float> output, CancellationToken cancellation, ActivityContext parent, bool counted)
{
    /// <summary>False for the service's own warm-up translations, which the metrics leave out.</summary>
    public bool Counted { get; } = counted;

    public ReadOnlyMemory<float> Input { get; } = input;
    public Memory<float> Output { get; } = output;
    public CancellationToken Cancellation { get; } = cancellation;
    public ActivityContext Parent { get; } = parent;
    public long EnqueuedAt { get; } = Stopwatch.GetTimestamp();
    public TaskCompletionSource Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
