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
    private readonly OrtAllocator? pinned;
    private readonly Dictionary<int, PinnedBatch> pinnedBatches = [];

    private GeneratorSession(InferenceSession session, string provider, string device, OrtAllocator? pinned = null)
    {
        this.session = session;
        Provider = provider;
        Device = device;
        this.pinned = pinned;
    }

    public string Provider { get; }

    /// <summary>Where it runs: "cuda:N" or "cpu".</summary>
    public string Device { get; }

    public IReadOnlyDictionary<string, string> Metadata => session.ModelMetadata.CustomMetadataMap;

    public IReadOnlyList<long> InputShape => session.InputMetadata.TryGetValue(InputName, out var input)
        ? input.Dimensions.Select(d => (long)d).ToArray()
        : throw new InvalidDataException($"the model has no input named '{InputName}'");

    /// <summary>Opens the model <paramref name="onnx"/> on CUDA (if asked and usable) or the CPU; <paramref name="warmUp"/> runs on it before it counts as working.</summary>
    public static GeneratorSession Open(string name, byte[] onnx, InferenceOptions options, int threads, Action<GeneratorSession> warmUp, ILogger logger)
    {
        void OnTheCpu(string reason) => logger.LogWarning("CUDA is not usable for {Model} ({Reason}); running it on the CPU", name, reason);
        var unavailable = options.UseCuda ? CudaProvider.WhyUnavailable : null;
        if (unavailable is not null) OnTheCpu(unavailable);
        else if (options.UseCuda)
        {
            GeneratorSession? cuda = null;
            try
            {
                using var cudaOptions = SessionOptionsFor(threads, options.AllowSpinning);
                CudaProvider.Append(cudaOptions, options);
                var opened = new InferenceSession(onnx, cudaOptions);
                cuda = new GeneratorSession(opened, Cuda, $"cuda:{options.CudaDeviceId}", options.PinnedBuffers ? PinnedAllocator(opened, options.CudaDeviceId, name, logger) : null);
                warmUp(cuda);
                return cuda;
            }
            catch (OnnxRuntimeException e)
            {
                cuda?.Dispose();
                OnTheCpu(e.Message.Split('\n')[0]);
            }
        }

        using var cpuOptions = SessionOptionsFor(threads, options.AllowSpinning);
        var cpu = new GeneratorSession(new InferenceSession(onnx, cpuOptions), Cpu, "cpu");
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

    /// <summary>
    /// Opens the model on the CPU with threads that spin through each run, so no operator waits for a sleeping thread to
    /// wake, and stop spinning when it returns (ONNX Runtime's force_spinning_stop): for a request that has the service to
    /// itself (<see cref="InferenceOptions.SpinWhenAlone"/>).
    /// </summary>
    public static GeneratorSession OpenSpinning(byte[] onnx, int threads)
    {
        using var options = SessionOptionsFor(threads, allowSpinning: true);
        options.AddSessionConfigEntry("session.force_spinning_stop", "1");
        return new GeneratorSession(new InferenceSession(onnx, options), Cpu, "cpu");
    }

    // Page-locked host memory from CUDA's pinned allocator: the device copies batches in and out of it by DMA. Without it
    // the session still runs on CUDA, from ordinary memory.
    private static OrtAllocator? PinnedAllocator(InferenceSession session, int deviceId, string name, ILogger logger)
    {
        try
        {
            using var info = new OrtMemoryInfo("CudaPinned", OrtAllocatorType.DeviceAllocator, deviceId, OrtMemType.CpuOutput);
            return new OrtAllocator(session, info);
        }
        catch (OnnxRuntimeException e)
        {
            logger.LogWarning("No pinned host buffers for {Model} ({Reason}); it runs on CUDA from ordinary memory", name, e.Message.Split('\n')[0]);
            return null;
        }
    }

    /// <summary>Runs one batch: <paramref name="input"/> holds <paramref name="batch"/> images of C×S×S, the result the same for the output.</summary>
    public void Run(Memory<float> input, Memory<float> output, int batch, int inputChannels, int outputChannels, int size)
    {
        if (pinned is not null)
        {
            RunPinned(input.Span, output.Span, batch, inputChannels, outputChannels, size);
            return;
        }

        using var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, [batch, inputChannels, size, size]);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, output, [batch, outputChannels, size, size]);
        session.Run(runOptions, [InputName], [inputValue], [OutputName], [outputValue]);
    }

    // Through the pinned buffers bound for this batch size (made on its first run, which the start-up warm-up does).
    private void RunPinned(ReadOnlySpan<float> input, Span<float> output, int batch, int inputChannels, int outputChannels, int size)
    {
        if (!pinnedBatches.TryGetValue(batch, out var bound))
        {
            bound = new PinnedBatch(session, pinned!, [batch, inputChannels, size, size], [batch, outputChannels, size, size]);
            pinnedBatches[batch] = bound;
        }

        input.CopyTo(bound.Input.GetTensorMutableDataAsSpan<float>());
        session.RunWithBinding(runOptions, bound.Binding);
        bound.Binding.SynchronizeBoundOutputs();
        bound.Output.GetTensorDataAsSpan<float>().CopyTo(output);
    }

    private sealed class PinnedBatch : IDisposable
    {
        public PinnedBatch(InferenceSession session, OrtAllocator allocator, long[] inputShape, long[] outputShape)
        {
            Input = OrtValue.CreateAllocatedTensorValue(allocator, TensorElementType.Float, inputShape);
            Output = OrtValue.CreateAllocatedTensorValue(allocator, TensorElementType.Float, outputShape);
            Binding = session.CreateIoBinding();
            Binding.BindInput(InputName, Input);
            Binding.BindOutput(OutputName, Output);
        }

        public OrtValue Input { get; }
        public OrtValue Output { get; }
        public OrtIoBinding Binding { get; }

        public void Dispose()
        {
            Binding.Dispose();
            Input.Dispose();
            Output.Dispose();
        }
    }

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
        foreach (var bound in pinnedBatches.Values) bound.Dispose();
        pinned?.Dispose();
        runOptions.Dispose();
        session.Dispose();
    }
}
