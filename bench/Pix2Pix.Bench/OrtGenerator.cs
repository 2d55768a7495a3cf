using Microsoft.ML.OnnxRuntime;

namespace Pix2Pix.Bench;

/// <summary>An exported generator in one ONNX Runtime CPU session using every core, as the service runs it.</summary>
public sealed class OrtGenerator : IDisposable
{
    private readonly InferenceSession session;

    public OrtGenerator(string path, int threads)
    {
        using var options = Options(threads);
        session = new InferenceSession(path, options);
    }

    /// <summary>
    /// ORT's settings here: its intra-op threads do not spin after a run, where they would take the cores from the rival
    /// measured next (LibTorch, or the same engine's other configuration), one cause of ratios that did not repeat.
    /// </summary>
    public static SessionOptions Options(int threads)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    public float[] Run(float[] input, long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var run = new RunOptions();
        using var results = session.Run(run, [session.InputNames[0]], [value], session.OutputNames);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose() => session.Dispose();
}
