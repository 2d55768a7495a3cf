using Pix2Pix.Training.Training;
using static Pix2Pix.Bench.Report;
using static TorchSharp.torch;

namespace Pix2Pix.Bench;

/// <summary>
/// Section 1: the same weights and inputs through TorchSharp eager and ONNX Runtime (CPU, float32), batch 1 and 4,
/// as ms/image, their ratio, and GFLOP/s against the matrix-multiply roof. Section 2: faster-than-float32 paths.
/// </summary>
public sealed class EngineBench(Report report, string work, int rounds, int threads, double roofGflops, string? calibration, string? inputs)
{
    public void Engines(IReadOnlyList<GeneratorConfig> configs)
    {
        report.Heading("1. Inference engines: TorchSharp eager vs ONNX Runtime (CPU, float32)");
        report.Line($"Same weights (the paper's random initialisation; speed does not depend on the values) and the same inputs in both engines, {threads} threads each; ");
        report.Line($"median of {rounds} alternating rounds after a warm-up. GFLOP/s counts 2 × the convolutions' multiply-accumulates; the roof is this machine's float32 matrix multiply ({F(roofGflops)} GFLOP/s).");
        report.Line();
        var rows = new List<string[]>();
        foreach (var config in configs)
        {
            var onnx = Path.Combine(work, $"{config.Network.NetG}_ngf{config.Network.Ngf}.onnx");
            using var generator = config.Create(onnx);
            using var ort = new OrtGenerator(onnx, threads);
            var gmacs = GeneratorCost.MacsPerImage(onnx, config.Network.Downsamplings, config.Side) / 1e9;
            foreach (var batch in new[] { 1, 4 })
            {
                using var scope = NewDisposeScope();
                var input = rand(batch, 3, config.Side, config.Side).mul(2).sub(1);
                var values = input.data<float>().ToArray();
                long[] shape = [batch, 3, config.Side, config.Side];
                var times = Measure.AlternatingRounds(rounds,
                    () => { FinalizerFence.Enter(); using var _ = no_grad(); using var o = generator.forward(input); },
                    () => ort.Run(values, shape));
                var (torchMs, ortMs) = (Measure.Median(times[0]) / batch, Measure.Median(times[1]) / batch);
                rows.Add([config.Label, $"{batch}", F(gmacs, 2), F(torchMs), F(ortMs), $"{F(torchMs / ortMs, 2)}× ({Measure.RatioSpread(times[0], times[1])})",
                    F(2 * gmacs / (torchMs / 1000), 0), F(2 * gmacs / (ortMs / 1000), 0), $"{F(100 * 2 * gmacs / (ortMs / 1000) / roofGflops, 0)} %"]);
            }
        }

        report.Table(["generator", "batch", "GMAC/image", "TorchSharp ms/image", "ORT ms/image", "ORT speed-up (spread of the rounds' ratios, p10…p90)", "TorchSharp GFLOP/s", "ORT GFLOP/s", "ORT of roof"], rows);
    }

    public void Precision(IReadOnlyList<GeneratorConfig> configs)
    {
        report.Heading("2. Faster than float32");
        report.Line("bfloat16: the whole generator cast to bfloat16 in TorchSharp (oneDNN: AMX or AVX-512 BF16, whichever the CPU has), against float32 eager, batch 1.");
        report.Line("int8: the exported model quantised statically (QDQ: uint8 activations calibrated on validation images, int8 per-channel weights) for ONNX Runtime, against ONNX Runtime float32.");
        report.Line("Fidelity is the PSNR of the faster output against the float32 output (images in [0, 1]; int8 on other images than the calibration). Shipped only if ≥ 1.5× faster at ≥ 35 dB.");
        report.Line();
        var rows = new List<string[]>();
        foreach (var config in configs)
        {
            using var generator = config.Create(Path.Combine(work, $"precision_{config.Network.NetG}.onnx"));
            using var scope = NewDisposeScope();
            var input = rand(1, 3, config.Side, config.Side).mul(2).sub(1);
            Tensor reference;
            using (no_grad()) reference = generator.forward(input).detach();
            using var half = Networks16.Bfloat16Copy(config);
            var inputBf16 = input.to(ScalarType.BFloat16);
            var ms = Measure.Alternating(rounds,
                () => { FinalizerFence.Enter(); using var _ = no_grad(); using var o = generator.forward(input); },
                () => { FinalizerFence.Enter(); using var _ = no_grad(); using var o = half.forward(inputBf16); });
            Tensor fast;
            using (no_grad()) fast = half.forward(inputBf16).to(ScalarType.Float32);
            rows.Add(Row(config.Label, "TorchSharp bfloat16 (oneDNN)", ms[0], ms[1], Psnr(reference, fast)));
            if (calibration is not null && inputs is not null) rows.Add(Int8(config));
        }

        report.Table(["generator", "path", "float32 ms", "faster path ms", "speed-up", "PSNR vs float32 (dB)", "ship?"], rows);
    }

    /// <summary>ONNX Runtime float32 against the same model quantised to int8 (QDQ, calibrated on <c>calibration</c>), PSNR on other images.</summary>
    private string[] Int8(GeneratorConfig config)
    {
        var floatPath = Path.Combine(work, $"precision_{config.Network.NetG}.onnx");
        var int8Path = Path.Combine(work, $"precision_{config.Network.NetG}_int8.onnx");
        long[] shape = [1, 3, config.Side, config.Side];
        File.WriteAllBytes(int8Path, Int8Quantizer.Quantize(File.ReadAllBytes(floatPath), InputImages.Load(calibration!, config.Side, 32), shape));
        using var fp32 = new OrtGenerator(floatPath, threads);
        using var int8 = new OrtGenerator(int8Path, threads);
        var tests = InputImages.Load(inputs!, config.Side, 8);
        var ms = Measure.Alternating(rounds, () => fp32.Run(tests[0], shape), () => int8.Run(tests[0], shape));
        var psnr = tests.Average(t =>
        {
            using var scope = NewDisposeScope();
            return Psnr(tensor(fp32.Run(t, shape)), tensor(int8.Run(t, shape)));
        });
        return Row(config.Label, "ONNX Runtime int8 (static QDQ)", ms[0], ms[1], psnr);
    }

    private static string[] Row(string label, string path, double floatMs, double fastMs, double psnr) =>
        [label, path, F(floatMs), F(fastMs), $"{F(floatMs / fastMs, 2)}×", F(psnr), floatMs / fastMs >= 1.5 && psnr >= 35 ? "qualifies" : "no"];

    private static double Psnr(Tensor a, Tensor b)
    {
        var mse = (a - b).div(2).pow(2).mean().item<float>(); // [-1, 1] → [0, 1] halves the differences
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(1 / mse);
    }
}
