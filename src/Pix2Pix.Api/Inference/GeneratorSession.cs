using Microsoft.ML.OnnxRuntime;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// One ONNX Runtime session of a generator, on CUDA when it can be appended and survives a warm-up,
/// otherwise on the CPU. Owns its native resources. Inputs and outputs are N×C×S×S float32 in [-1, 1].
/// </summary>
public sealed class GeneratorSession : IDisposable
{
    public const string InputName = "input";
    public const string OutputName = "output";
    public const string Cuda = "CUDA";
    public const string Cpu = "CPU";

    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();

    private GeneratorSession(InferenceSession session, string provider)
    {
        this.session = session;
        Provider = provider;
    }

    public string Provider { get; }

    public IReadOnlyDictionary<string, string> Metadata => session.ModelMetadata.CustomMetadataMap;

    public IReadOnlyList<long> InputShape => session.InputMetadata.TryGetValue(InputName, out var input)
        ? input.Dimensions.Select(d => (long)d).ToArray()
        : throw new InvalidDataException($"the model has no input named '{InputName}'");

    /// <summary>Opens the model <paramref name="onnx"/> on CUDA (if asked) or the CPU; <paramref name="warmUp"/> runs on it before it counts as working.</summary>
    public static GeneratorSession Open(string name, byte[] onnx, InferenceOptions options, int threads, Action<GeneratorSession> warmUp, ILogger logger)
    {
        if (options.UseCuda)
        {
            GeneratorSession? cuda = null;
            try
            {
                using var cudaOptions = SessionOptionsFor(threads, options.AllowSpinning);
                cudaOptions.AppendExecutionProvider_CUDA(options.CudaDeviceId);
                cuda = new GeneratorSession(new InferenceSession(onnx, cudaOptions), Cuda);
                warmUp(cuda);
                return cuda;
            }
            catch (OnnxRuntimeException e)
            {
                cuda?.Dispose();
                logger.LogWarning("CUDA is not usable for {Model} ({Reason}); running it on the CPU", name, e.Message.Split('\n')[0]);
            }
        }

        using var cpuOptions = SessionOptionsFor(threads, options.AllowSpinning);
        var cpu = new GeneratorSession(new InferenceSession(onnx, cpuOptions), Cpu);
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

    /// <summary>Runs one batch: <paramref name="input"/> holds <paramref name="batch"/> images of C×S×S, the result the same for the output.</summary>
    public void Run(Memory<float> input, Memory<float> output, int batch, int inputChannels, int outputChannels, int size)
    {
        using var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, [batch, inputChannels, size, size]);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, output, [batch, outputChannels, size, size]);
        session.Run(runOptions, [InputName], [inputValue], [OutputName], [outputValue]);
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
        runOptions.Dispose();
        session.Dispose();
    }
}
