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
    /// This generator as ONNX with every weight zero: as fast as a trained one (the work does not depend on the values) and
    /// compressed to almost nothing, for scripts/gpu-bundle's speed measurements.
    /// </summary>
    public void WriteZeros(string onnxPath, bool float16 = false)
    {
        using var generator = Networks.CreateGenerator(Network, initialise: false);
        using (TorchSharp.torch.no_grad())
        {
            foreach (var parameter in generator.parameters()) parameter.zero_();
        }

        GeneratorExporter.Write(generator, Card("speed only (all weights zero)") with { Float16Compute = float16 }, onnxPath);
    }

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
