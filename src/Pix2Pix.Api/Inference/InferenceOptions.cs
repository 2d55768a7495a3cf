namespace Pix2Pix.Api.Inference;

/// <summary>Where the models are and how they run (configuration section "Inference").</summary>
public sealed record InferenceOptions
{
    public const string Section = "Inference";

    /// <summary>Folder scanned for <c>*.onnx</c> generators; each is served under its file name without extension.</summary>
    public string ModelsFolder { get; init; } = "models";

    /// <summary>The model used when a request names none; empty means the first one found (by name).</summary>
    public string? DefaultModel { get; init; }

    /// <summary>Try the CUDA execution provider first (falls back to the CPU with a warning).</summary>
    public bool UseCuda { get; init; } = true;

    public int CudaDeviceId { get; init; }

    /// <summary>Sessions per model; 0 picks one per four CPU cores. CPU threads are split between them.</summary>
    public int SessionsPerModel { get; init; }

    /// <summary>The most requests run together in one batch.</summary>
    public int MaxBatchSize { get; init; } = 4;

    /// <summary>How long the first request of a batch waits for others to join.</summary>
    public int MaxBatchWaitMilliseconds { get; init; } = 5;

    /// <summary>Requests waiting per model; when full, new ones get 503 with Retry-After.</summary>
    public int QueueCapacity { get; init; } = 64;

    /// <summary>
    /// How often the models folder is looked at for new, changed and removed files (Triton's polling mode); 0 turns
    /// reloading off. A file is loaded once it has held still for a whole interval.
    /// </summary>
    public double ReloadPollSeconds { get; init; } = 5;

    /// <summary>
    /// Whether ONNX Runtime's intra-op threads spin after a run waiting for the next (its default). Spinning shortens a
    /// lone request; without it the cores go to the decoding and encoding of the other requests in flight.
    /// </summary>
    public bool AllowSpinning { get; init; } = true;

    /// <summary>Translations run through the whole request path per model before the service says it is ready.</summary>
    public int WarmUpRequests { get; init; } = 20;

    public int EffectiveSessions(int cores) => Math.Clamp(SessionsPerModel > 0 ? SessionsPerModel : cores / 4, 1, Math.Max(1, cores));
}
