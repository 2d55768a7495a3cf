using Pix2Pix.Contracts;
using Pix2Pix.Training.Export;
using Pix2Pix.Training.Models;
using Pix2Pix.Training.Options;

namespace Pix2Pix.Bench;

/// <summary>The generators measured: the paper's unet_256/ngf64 at 256² and the shipped default's configuration at 128².</summary>
public sealed record GeneratorConfig(string Label, NetworkOptions Network, int Side)
{
    public static readonly GeneratorConfig Paper = new("unet_256 / ngf 64 (paper)", new NetworkOptions { NetG = "unet_256", Ngf = 64 }, 256);
    public static readonly GeneratorConfig Shipped = new("unet_128 / ngf 32 (models/openmoji)", new NetworkOptions { NetG = "unet_128", Ngf = 32, NoDropout = true }, 128);

    /// <summary>A generator with the paper's random initialisation in eval mode (per-image statistics), and the same weights as ONNX.</summary>
    public GeneratorNetwork Create(string onnxPath)
    {
        TorchSharp.torch.manual_seed(0);
        var generator = Networks.CreateGenerator(Network);
        generator.eval();
        generator.SetNormalizationAtTest(NormalizationAtTest.Image);
        GeneratorExporter.Write(generator, Card("benchmark (random weights)"), onnxPath);
        return generator;
    }

    /// <summary>
    /// This generator as ONNX for speed measurements alone (scripts/gpu-bundle): the paper's random initialisation, each
    /// weight tensor's first <see cref="TilePeriod"/> values repeated through it. The work does not depend on the values,
    /// the answers are not constant (so a float16 twin can be compared with it), no weight is zero (zeros can run faster
    /// than real data on a GPU), and the repetition compresses to almost nothing.
    /// </summary>
    public void WriteTiled(string onnxPath, bool float16 = false)
    {
        TorchSharp.torch.manual_seed(0);
        using var generator = Networks.CreateGenerator(Network);
        using (TorchSharp.torch.no_grad())
        {
            foreach (var parameter in generator.parameters())
            {
                var count = parameter.numel();
                if (count <= TilePeriod) continue;
                using var flat = parameter.flatten();
                using var period = flat.narrow(0, 0, TilePeriod).clone();
                using var repeated = period.repeat((count + TilePeriod - 1) / TilePeriod);
                using var tiled = repeated.narrow(0, 0, count);
                using var shaped = tiled.view(parameter.shape);
                parameter.copy_(shaped);
            }
        }

        GeneratorExporter.Write(generator, Card($"speed only (random weights, tiled every {TilePeriod} values)") with { Float16Compute = float16 }, onnxPath);
    }

    /// <summary>How many values of each weight tensor <see cref="WriteTiled"/> keeps before repeating them.</summary>
    public const int TilePeriod = 4096;

    private ModelCard Card(string dataset) => new()
    {
        Architecture = Network.NetG,
        Ngf = Network.Ngf,
        Norm = "batch",
        InputChannels = 3,
        OutputChannels = 3,
        NativeSize = Side,
        SizeMultiple = Network.SizeMultiple,
        Direction = "AtoB",
        NormalizationAtTest = NormalizationAtTest.Image,
        Dataset = dataset,
        Epoch = "0",
        ExporterVersion = GeneratorExporter.Version,
    };
}
