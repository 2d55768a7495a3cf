using Microsoft.ML.OnnxRuntime;
using Pix2Pix.Contracts;
using Pix2Pix.Training.Commands;
using Pix2Pix.Training.Data;
using Pix2Pix.Training.Export;
using Pix2Pix.Training.Models;
using Pix2Pix.Training.Options;
using Pix2Pix.Training.Training;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Tests;

/// <summary>The exported graph computes what the TorchSharp generator computes, under either test-time normalisation.</summary>
public class OnnxParityTests(Xunit.Abstractions.ITestOutputHelper log)
{
    public const double Tolerance = 1e-4;

    public static TheoryData<string, int, string, bool, string> Cases()
    {
        var cases = new TheoryData<string, int, string, bool, string>();
        cases.Add("unet_128+3", 16, "batch", true, "image");   // the 3 innermost levels unnormalised
        foreach (var netG in new[] { "unet_128", "unet_256" })
        foreach (var norm in new[] { "batch", "instance" })
        foreach (var trained in new[] { false, true })
        {
            cases.Add(netG, 16, norm, trained, "image");
        }

        cases.Add("unet_256", 16, "batch", true, "running");
        cases.Add("unet_128", 16, "batch", false, "running");
        cases.Add("resnet_6blocks", 8, "batch", false, "image");
        cases.Add("resnet_6blocks", 8, "instance", true, "image");
        cases.Add("resnet_9blocks", 8, "batch", true, "running");
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_exported_generator_matches_TorchSharp_for_batches_of_one_and_two_at_two_sizes(string netG, int ngf, string norm, bool trained, string atTest)
    {
        using var temp = new TempFolder();
        var levels = netG.Split('+');   // "unet_128+3": with its 3 innermost levels unnormalised
        var network = new NetworkOptions { NetG = levels[0], Ngf = ngf, Norm = NetworkArguments.ParseNorm(norm), UnnormalisedLevels = levels.Length > 1 ? int.Parse(levels[1]) : 0 };
        var mode = atTest == "running" ? NormalizationAtTest.Running : NormalizationAtTest.Image;
        using var generator = trained ? BrieflyTrained(network, temp) : Networks.CreateGenerator(network);
        var path = temp["g.onnx"];
        GeneratorExporter.Write(generator, Card(network, mode), path);

        var side = Math.Max(network.SizeMultiple, 32);
        using var session = OnnxSessions.Open(path);
        foreach (var (batch, height, width) in new[] { (1, side, side), (2, side, side), (1, side, 2 * side), (2, 2 * side, side) })
        {
            using var scope = NewDisposeScope();
            var input = rand(batch, 3, height, width) * 2 - 1;
            generator.eval();
            generator.SetNormalizationAtTest(mode);
            using var noGrad = no_grad();
            var expected = generator.forward(input).data<float>().ToArray();
            var actual = OnnxSessions.Run(session, input.data<float>().ToArray(), [batch, 3, height, width]);

            var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            log.WriteLine($"{netG} {norm} {(trained ? "trained" : "random")} {atTest} batch {batch} {height}x{width}: max |torch − onnx| = {worst:E2}");
            Assert.True(worst <= Tolerance, $"batch {batch} at {height}x{width}: max |torch − onnx| = {worst:E2}");
        }
    }

    [Fact]
    public void The_paper_size_generator_unet_256_ngf_64_exports_within_tolerance()
    {
        using var temp = new TempFolder();
        var network = new NetworkOptions();
        using var generator = Networks.CreateGenerator(network);
        var path = temp["full.onnx"];
        GeneratorExporter.Write(generator, Card(network, NormalizationAtTest.Image), path);
        using var session = OnnxSessions.Open(path);
        using var scope = NewDisposeScope();
        var input = rand(1, 3, 256, 256) * 2 - 1;
        generator.eval();
        using var noGrad = no_grad();

        var expected = generator.forward(input).data<float>().ToArray();
        var actual = OnnxSessions.Run(session, input.data<float>().ToArray(), [1, 3, 256, 256]);

        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        log.WriteLine($"unet_256 ngf 64 random: max |torch − onnx| = {worst:E2}");
        Assert.True(worst <= Tolerance);
        Assert.InRange(new FileInfo(path).Length, 217_000_000, 219_000_000); // 54,413,955 float32 weights
    }

    [Fact]
    public void Float16_weights_halve_the_file_and_stay_within_2e_3()
    {
        using var temp = new TempFolder();
        var network = new NetworkOptions { NetG = "unet_128", Ngf = 32 };
        using var generator = BrieflyTrained(network, temp);
        GeneratorExporter.Write(generator, Card(network, NormalizationAtTest.Image), temp["full.onnx"]);
        GeneratorExporter.Write(generator, Card(network, NormalizationAtTest.Image) with { Fp16Weights = true }, temp["half.onnx"]);

        var (expected, actual) = TorchAndOnnx(generator, temp["half.onnx"]);

        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        log.WriteLine($"fp16 weights: max |torch − onnx| = {worst:E2}");
        Assert.True(worst <= 2e-3);
        var ratio = new FileInfo(temp["half.onnx"]).Length / (double)new FileInfo(temp["full.onnx"]).Length;
        Assert.InRange(ratio, 0.49, 0.52);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]   // from weights already stored as float16
    public void A_float16_computing_export_takes_and_gives_float32_and_stays_within_float16s_precision(bool fp16Weights)
    {
        using var temp = new TempFolder();
        var network = new NetworkOptions { NetG = "unet_128", Ngf = 32 };
        using var generator = BrieflyTrained(network, temp);
        GeneratorExporter.Write(generator, Card(network, NormalizationAtTest.Image) with { Fp16Weights = fp16Weights, Float16Compute = true }, temp["half.onnx"]);
        var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(temp["half.onnx"]));

        var (expected, actual) = TorchAndOnnx(generator, temp["half.onnx"]);

        var mse = expected.Zip(actual, (e, a) => (e - a) * (e - a) / 4.0).Average();   // on [0, 1], as images
        var psnr = 10 * Math.Log10(1 / mse);
        log.WriteLine($"float16 compute (fp16 weights {fp16Weights}): PSNR against float32 torch {psnr:F1} dB");
        Assert.True(psnr >= 40, $"PSNR {psnr:F1} dB");
        Assert.All(model.Graph.Initializer.Where(w => w.DataType != (int)Onnx.TensorProto.Types.DataType.Int64), w => Assert.Equal((int)Onnx.TensorProto.Types.DataType.Float16, w.DataType));
        Assert.True(ModelCard.FromMetadata(model.MetadataProps.ToDictionary(p => p.Key, p => p.Value)).Float16Compute);
    }

    // The trained generator's answer (per-image statistics) and the exported file's, to the same random batch of two 128² images.
    private static (float[] Torch, float[] Onnx) TorchAndOnnx(GeneratorNetwork generator, string onnxPath)
    {
        using var session = OnnxSessions.Open(onnxPath);
        using var scope = NewDisposeScope();
        var input = rand(2, 3, 128, 128) * 2 - 1;
        generator.eval();
        generator.SetNormalizationAtTest(NormalizationAtTest.Image);
        using var noGrad = no_grad();
        return (generator.forward(input).data<float>().ToArray(), OnnxSessions.Run(session, input.data<float>().ToArray(), [2, 3, 128, 128]));
    }

    internal static GeneratorNetwork BrieflyTrained(NetworkOptions network, TempFolder temp)
    {
        var side = Math.Max(network.SizeMultiple, 32);   // the ResNets take multiples of 4; the PatchGAN needs 32 or more
        SyntheticPairs.Write(temp["data"], 2, side, side);
        var data = new DataOptions { Dataroot = temp["data"], Preprocess = Preprocess.None };
        var batches = new PairBatches(new AlignedPairDataset(data, network), 2, 0, false, network);
        manual_seed(1);
        var model = new Pix2PixModel(network, new TrainOptions { Name = "brief", Lr = 0.002 });
        for (var epoch = 1; epoch <= 3; epoch++)
        {
            foreach (var batch in batches.Epoch(epoch))
            {
                using (batch) model.OptimizeParameters(batch);
            }
        }

        model.OptimizerG.Dispose();
        model.OptimizerD.Dispose();
        model.Discriminator.Dispose();
        return model.Generator;
    }

    internal static ModelCard Card(NetworkOptions network, NormalizationAtTest mode) =>
        ExportCommand.Card(new RunRecord(network, null, null, "synthetic"), "latest", mode, fp16Weights: false);
}

/// <summary>ONNX Runtime on the CPU at its full graph optimisation level, as the service runs it.</summary>
internal static class OnnxSessions
{
    public static InferenceSession Open(string path) =>
        new(path, new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 2 });

    public static float[] Run(InferenceSession session, float[] input, long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [GeneratorExporter.InputName], [value], [GeneratorExporter.OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
