using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// One ONNX Runtime session of a generator, on CUDA when its libraries load, it can be appended and it survives a
/// warm-up, otherwise on the CPU. Owns its native resources. Inputs and outputs are N×C×S×S float32 in [-1, 1]. Runs one
/// batch at a time (its batcher's worker).
/// </summary>
public sealed class GeneratorSession : IDisposable
{
    public const string InputName = "input";
    public const string OutputName = "output";
    public const string Cuda = "CUDA";
    public const string Cpu = "CPU";

    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly int? cudaDevice;
    private readonly Dictionary<int, PinnedBatch>? pinnedBatches;

    // Taken around everything this session asks of its device: on CUDA the GPU's lock (DeviceGate), shared by every
    // session on it; on the CPU one of its own, never contended (one worker per session).
    private readonly object gate;

    private GeneratorSession(InferenceSession session)
    {
        this.session = session;
        Provider = Cpu;
        Device = "cpu";
        gate = new object();
    }

    private GeneratorSession(InferenceSession session, int cudaDevice, bool pinned)
    {
        this.session = session;
        Provider = Cuda;
        Device = $"cuda:{cudaDevice}";
        this.cudaDevice = cudaDevice;
        pinnedBatches = pinned ? [] : null;
        gate = DeviceGate.For(cudaDevice);
    }

    public string Provider { get; }

    /// <summary>Where it runs: "cuda:N" or "cpu".</summary>
    public string Device { get; }

    /// <summary>Whether batches go in and out through the session's own page-locked and device buffers (CUDA only).</summary>
    public bool Pinned => pinnedBatches is not null;

    public IReadOnlyDictionary<string, string> Metadata => session.ModelMetadata.CustomMetadataMap;

    public IReadOnlyList<long> InputShape => session.InputMetadata.TryGetValue(InputName, out var input)
        ? input.Dimensions.Select(d => (long)d).ToArray()
        : throw new InvalidDataException($"the model has no input named '{InputName}'");

    /// <summary>
    /// Opens the model <paramref name="onnx"/> on CUDA (if asked and usable; with pinned buffers if asked, else or if
    /// they fail, from ordinary memory) or the CPU; <paramref name="warmUp"/> runs on it before it counts as working.
    /// </summary>
    public static GeneratorSession Open(string name, byte[] onnx, InferenceOptions options, int threads, Action<GeneratorSession> warmUp, ILogger logger)
    {
        void OnTheCpu(string reason) => logger.LogWarning("CUDA is not usable for {Model} ({Reason}); running it on the CPU", name, reason);
        var unavailable = options.UseCuda ? CudaProvider.WhyUnavailable : null;
        if (unavailable is not null) OnTheCpu(unavailable);
        else if (options.UseCuda)
        {
            string? failure = null;
            if (options.PinnedBuffers)
            {
                var pinned = TryCuda(onnx, options, threads, pinned: true, warmUp, out failure);
                if (pinned is not null) return pinned;
                logger.LogWarning("Pinned buffers failed for {Model} ({Reason}); it runs on CUDA from ordinary memory", name, failure);
            }

            var cuda = TryCuda(onnx, options, threads, pinned: false, warmUp, out failure);
            if (cuda is not null) return cuda;
            OnTheCpu(failure!);
        }

        using var cpuOptions = SessionOptionsFor(threads, options.AllowSpinning);
        var cpu = new GeneratorSession(new InferenceSession(onnx, cpuOptions));
        try
        {
            warmUp(cpu);
        }
        catch
        {
            cpu.Dispose();
            throw;
        }

        return cpu;
    }

    // A CUDA session that survived its warm-up, or null and why not.
    private static GeneratorSession? TryCuda(byte[] onnx, InferenceOptions options, int threads, bool pinned, Action<GeneratorSession> warmUp, out string? failure)
    {
        GeneratorSession? cuda = null;
        try
        {
            using (var cudaOptions = SessionOptionsFor(threads, options.AllowSpinning))
            {
                CudaProvider.Append(cudaOptions, options);
                lock (DeviceGate.For(options.CudaDeviceId)) cuda = new GeneratorSession(new InferenceSession(onnx, cudaOptions), options.CudaDeviceId, pinned);
            }

            // Each warm-up run takes the gate itself, so a model loaded while others serve holds their GPU one run at a time.
            warmUp(cuda);

            failure = null;
            return cuda;
        }
        catch (Exception e) when (e is OnnxRuntimeException or CudaRuntime.CudaException or DllNotFoundException or EntryPointNotFoundException)
        {
            cuda?.Dispose();
            failure = e.Message.Split('\n')[0];
            return null;
        }
        catch
        {
            // Not CUDA's fault (a model that does not match its card, say): the caller reports it.
            cuda?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the model on the CPU with threads that spin while they wait for work, so no operator of a run waits for a
    /// sleeping thread to wake, and that spin on briefly after it (ONNX Runtime's own spinning, which then lets them
    /// sleep): for a request that has the service to itself (<see cref="InferenceOptions.SpinWhenAlone"/>).
    /// </summary>
    public static GeneratorSession OpenSpinning(byte[] onnx, int threads)
    {
        using var options = SessionOptionsFor(threads, allowSpinning: true);
        return new GeneratorSession(new InferenceSession(onnx, options));
    }

    /// <summary>
    /// Where a batch of <paramref name="batch"/> should be written and read on this session, to save a copy each way: its
    /// page-locked buffers on CUDA with pinned buffers, or null (any memory will do).
    /// </summary>
    public (Memory<float> Input, Memory<float> Output)? BuffersFor(int batch, int inputChannels, int outputChannels, int size)
    {
        if (pinnedBatches is null) return null;
        var bound = Bound(batch, inputChannels, outputChannels, size);
        return (bound.Input, bound.Output);
    }

    /// <summary>
    /// Runs one batch: <paramref name="input"/> holds <paramref name="batch"/> images of C×S×S, the result the same for the
    /// output (on pinned buffers, without a copy when they are <see cref="BuffersFor"/>'s).
    /// </summary>
    public void Run(Memory<float> input, Memory<float> output, int batch, int inputChannels, int outputChannels, int size)
    {
        if (pinnedBatches is not null)
        {
            var bound = Bound(batch, inputChannels, outputChannels, size);
            if (!Is(input, bound.Input)) input.Span.CopyTo(bound.Input);
            lock (gate) bound.Run(session, runOptions);
            if (!Is(output, bound.Output)) bound.Output.CopyTo(output.Span);
            return;
        }

        using var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, [batch, inputChannels, size, size]);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, output, [batch, outputChannels, size, size]);
        lock (gate) session.Run(runOptions, [InputName], [inputValue], [OutputName], [outputValue]);
    }

    // The pinned buffers of this batch size, made on its first run (which the start-up warm-up does).
    private PinnedBatch Bound(int batch, int inputChannels, int outputChannels, int size)
    {
        if (!pinnedBatches!.TryGetValue(batch, out var bound))
        {
            lock (gate) bound = new PinnedBatch(session, cudaDevice!.Value, [batch, inputChannels, size, size], [batch, outputChannels, size, size]);
            pinnedBatches[batch] = bound;
        }

        return bound;
    }

    private static bool Is(Memory<float> memory, float[] array) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray<float>(memory, out var segment) && segment.Array == array && segment.Offset == 0 && segment.Count == array.Length;

    private static Microsoft.ML.OnnxRuntime.SessionOptions SessionOptionsFor(int threads, bool allowSpinning)
    {
        var options = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", allowSpinning ? "1" : "0");
        return options;
    }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var bound in pinnedBatches?.Values ?? Enumerable.Empty<PinnedBatch>()) bound.Dispose();
            runOptions.Dispose();
            session.Dispose();
        }
    }
}
