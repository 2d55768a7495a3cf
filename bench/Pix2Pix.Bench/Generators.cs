using Pix2Pix.Contracts;
using Pix2Pix.Training.Export;
using Pix2Pix.Training.Models;
using Pix2Pix.Training.Options;

namespace Pix2Pix.Bench;

/// <summary>The generators measured: the paper's unet_256/ngf64 at 256² and the shipped default's configuration at 128².</summary>
public sealed record GeneratorConfig(string Label, NetworkOptions Network, int Side)
{
    public static readonly GeneratorConfig Paper = new("unet_256 / ngf 64 (paper)", new NetworkOptions { NetG = "unet_256", Ngf = 64 }, 256);
    public static readonly GeneratorConfig Shipped = new("unet_128 / ngf 32 (models/openmoji)", new NetworkOptions { NetG = "unet_128", Ngf = 32 }, 128);

    /// <summary>A generator with the paper's random initialisation in eval mode (per-image statistics), and the same weights as ONNX.</summary>
    public GeneratorNetwork Create(string onnxPath)
    {
        TorchSharp.torch.manual_seed(0);
        var generator = Networks.CreateGenerator(Network);
        generator.eval();
        generator.SetNormalizationAtTest(NormalizationAtTest.Image);
        GeneratorExporter.Write(generator, new ModelCard
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
            Dataset = "benchmark (random weights)",
            Epoch = "0",
            ExporterVersion = GeneratorExporter.Version,
        }, onnxPath);
        return generator;
    }
}
