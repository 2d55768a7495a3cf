using Pix2Pix.Training.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Models;

/// <summary>Builds the networks by name, as the reference's define_G / define_D do, with its weight init.</summary>
public static class Networks
{
    public static GeneratorNetwork CreateGenerator(NetworkOptions options, bool initialise = true, Initialisation? init = null)
    {
        options.Validate();
        GeneratorNetwork generator = options.ResnetBlocks is { } blocks
            ? new ResnetGenerator(options.InputNc, options.OutputNc, blocks, options.Ngf, options.Norm, useDropout: !options.NoDropout)
            : new UnetGenerator(options.InputNc, options.OutputNc, options.Downsamplings, options.Ngf, options.Norm, useDropout: !options.NoDropout,
                unnormalisedLevels: options.UnnormalisedLevels);
        if (initialise) WeightInit.Apply(generator, init);
        return generator;
    }

    public static nn.Module<Tensor, Tensor> CreateDiscriminator(NetworkOptions options, Initialisation? init = null)
    {
        options.Validate();
        var inputNc = options.InputNc + options.OutputNc;
        nn.Module<Tensor, Tensor> discriminator = options.NetD switch
        {
            "basic" => new PatchDiscriminator(inputNc, options.Ndf, 3, options.Norm),
            "n_layers" => new PatchDiscriminator(inputNc, options.Ndf, options.NLayersD, options.Norm),
            _ => new PixelDiscriminator(inputNc, options.Ndf, options.Norm),
        };
        WeightInit.Apply(discriminator, init);
        // Outside training the discriminator behaves as PyTorch's eval(): running statistics.
        foreach (var norm in discriminator.modules().OfType<TestTimeBatchNorm2d>()) norm.AtTest = Contracts.NormalizationAtTest.Running;
        return discriminator;
    }

    public static long CountParameters(nn.Module module) => module.parameters().Sum(p => p.numel());
}
