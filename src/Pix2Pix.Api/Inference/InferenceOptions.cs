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

    /// <summary>
    /// How cuDNN picks each convolution's algorithm: EXHAUSTIVE (tries them all once per shape; the start-up warm-up pays
    /// it for every batch size), HEURISTIC (cuDNN's guess, quicker to start), or DEFAULT (a fixed, often slow algorithm).
    /// </summary>
    public string CudnnConvAlgoSearch { get; init; } = "EXHAUSTIVE";

    /// <summary>Let cuDNN use as much workspace as its fastest algorithm wants (ONNX Runtime's default).</summary>
    public bool CudnnConvUseMaxWorkspace { get; init; } = true;

    /// <summary>The most GPU memory ONNX Runtime's arena may hold per session, in MB; 0 means no limit.</summary>
    public long GpuMemLimitMegabytes { get; init; }

    /// <summary>How the GPU arena grows: kNextPowerOfTwo (fewer, larger steps) or kSameAsRequested (no slack).</summary>
    public string ArenaExtendStrategy { get; init; } = "kNextPowerOfTwo";

    /// <summary>On CUDA, feed and read each batch through pinned host buffers bound to the session (one copy each way by DMA).</summary>
    public bool PinnedBuffers { get; init; } = true;

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
    /// Whether ONNX Runtime's intra-op threads spin while they wait for work, between a run's operators and after it
    /// (ONNX Runtime's own default). Off here: on two cores the spinning threads take the cores from decoding, encoding,
    /// HTTP and the other requests in flight, and the service served fewer requests at concurrency 4 with it (README,
    /// "Measured"); lone requests spin anyway (<see cref="SpinWhenAlone"/>). Worth turning on only where inference has
    /// cores to itself.
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>
    /// On the CPU, a request that has the service to itself (a batch of one, no other request admitted) runs on
    /// one more session of the model, with every core, whose threads spin through the run and briefly after it: no
    /// operator waits for a sleeping thread to wake, and busy periods keep the sleeping threads that leave the cores to
    /// decoding and encoding. Costs one more copy of each model's weights in memory.
    /// </summary>
    public bool SpinWhenAlone { get; init; } = true;

    /// <summary>Translations run through the whole request path per model before the service says it is ready.</summary>
    public int WarmUpRequests { get; init; } = 20;

    /// <summary>
    /// The most time, in seconds, that requests to the service's own address may take to warm up the HTTP path (Kestrel,
    /// routing, access control, the endpoint) before it says it is ready; they stop sooner once the JIT has gone quiet
    /// (<see cref="HttpPathWarmUp"/>). 0: none.
    /// </summary>
    public double HttpWarmUpSeconds { get; init; } = 10;

    /// <summary>What is wrong with these settings, one line each; empty when they can be used.</summary>
    public IEnumerable<string> Problems()
    {
        string[] searches = ["EXHAUSTIVE", "HEURISTIC", "DEFAULT"];
        string[] strategies = ["kNextPowerOfTwo", "kSameAsRequested"];
        if (!searches.Contains(CudnnConvAlgoSearch)) yield return $"Inference:CudnnConvAlgoSearch '{CudnnConvAlgoSearch}' is not one of {string.Join(", ", searches)}";
        if (!strategies.Contains(ArenaExtendStrategy)) yield return $"Inference:ArenaExtendStrategy '{ArenaExtendStrategy}' is not one of {string.Join(", ", strategies)}";
        if (CudaDeviceId < 0) yield return "Inference:CudaDeviceId must be 0 or more";
        if (GpuMemLimitMegabytes < 0) yield return "Inference:GpuMemLimitMegabytes must be 0 (no limit) or more";
        if (MaxBatchSize < 1) yield return "Inference:MaxBatchSize must be at least 1";
        if (SessionsPerModel < 0) yield return "Inference:SessionsPerModel must be 0 (one per four cores) or more";
        if (WarmUpRequests < 0) yield return "Inference:WarmUpRequests must be 0 (no warm-up) or more";
        if (!(HttpWarmUpSeconds is >= 0 and <= Extensions.TimeoutLimits.MaxSeconds)) yield return $"Inference:HttpWarmUpSeconds must be 0 (no warm-up) to {Extensions.TimeoutLimits.MaxSecondsText}";
        if (QueueCapacity < 1) yield return "Inference:QueueCapacity must be at least 1";
        if (MaxBatchWaitMilliseconds < 0) yield return "Inference:MaxBatchWaitMilliseconds must be 0 (no waiting) or more";
        if (!(ReloadPollSeconds <= 0 || ReloadPollSeconds is >= 0.01 and <= Extensions.TimeoutLimits.MaxSeconds))
        {
            yield return $"Inference:ReloadPollSeconds must be 0 or less (no reloading) or 0.01 to {Extensions.TimeoutLimits.MaxSecondsText}";
        }
    }

    public int EffectiveSessions(int cores) => Math.Clamp(SessionsPerModel > 0 ? SessionsPerModel : cores / 4, 1, Math.Max(1, cores));
}
