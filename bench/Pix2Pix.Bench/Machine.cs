using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Pix2Pix.Bench;

/// <summary>What the figures were measured on, and the practical roof: float32 (and bfloat16) matrix-multiply throughput.</summary>
public static class Machine
{
    public static string Cpu => CpuInfo("model name") ?? RuntimeInformation.ProcessArchitecture.ToString();

    public static IReadOnlyList<string> Features
    {
        get
        {
            var flags = (CpuInfo("flags") ?? "").Split(' ');
            return new[] { "avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_tile", "amx_bf16", "amx_int8" }.Where(flags.Contains).ToArray();
        }
    }

    public static double MemoryGiB
    {
        get
        {
            var line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:")) : null;
            return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024 / 1024;
        }
    }

    /// <summary>GFLOP/s of an n×n by n×n matrix product (2n³ operations), median of alternating rounds.</summary>
    public static double MatmulGflops(int n, ScalarType type, int rounds)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n).to(type);
        var b = randn(n, n).to(type);
        var ms = Measure.Alternating(rounds, () => { using var c = matmul(a, b); })[0];
        return 2.0 * n * n * n / (ms / 1000) / 1e9;
    }

    /// <summary>The same product through ONNX Runtime's own GEMM (MLAS): an n×n input times an n×n initializer.</summary>
    public static double OrtMatmulGflops(int n, int threads, int rounds)
    {
        var weights = new float[n * n];
        var random = new Random(0);
        for (var i = 0; i < weights.Length; i++) weights[i] = (float)random.NextDouble();
        var b = new Onnx.TensorProto { Name = "b", DataType = (int)Onnx.TensorProto.Types.DataType.Float, Dims = { n, n },
            RawData = Google.Protobuf.ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(weights.AsSpan())) };
        Onnx.ValueInfoProto Value(string name) => new()
        {
            Name = name,
            Type = new Onnx.TypeProto { TensorType = new Onnx.TypeProto.Types.Tensor { ElemType = (int)Onnx.TensorProto.Types.DataType.Float, Shape = new Onnx.TensorShapeProto { Dim = { new Onnx.TensorShapeProto.Types.Dimension { DimValue = n }, new Onnx.TensorShapeProto.Types.Dimension { DimValue = n } } } } },
        };
        var model = new Onnx.ModelProto
        {
            IrVersion = 8,
            OpsetImport = { new Onnx.OperatorSetIdProto { Version = 17 } },
            Graph = new Onnx.GraphProto { Name = "matmul", Input = { Value("a") }, Output = { Value("c") }, Initializer = { b }, Node = { new Onnx.NodeProto { OpType = "MatMul", Input = { "a", "b" }, Output = { "c" } } } },
        };
        using var options = OrtGenerator.Options(threads);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model), options);
        var a = weights.ToArray();
        var ms = Measure.Alternating(rounds, () =>
        {
            using var input = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(a, [n, n]);
            using var run = new Microsoft.ML.OnnxRuntime.RunOptions();
            using var results = session.Run(run, ["a"], [input], ["c"]);
        })[0];
        return 2.0 * n * n * n / (ms / 1000) / 1e9;
    }

    private static string? CpuInfo(string key) => File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(key))?.Split(':', 2)[1].Trim()
        : null;
}
