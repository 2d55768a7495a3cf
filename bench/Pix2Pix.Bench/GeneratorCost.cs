using Pix2Pix.Training.Models;
using TorchSharp.Modules;

namespace Pix2Pix.Bench;

/// <summary>
/// Multiply-accumulates of one generator pass at side S, from its convolutions: the i-th Conv2d (pre-order) is the
/// level-i downsampling, writing (S/2^(i+1))² pixels; the ConvTranspose2d come innermost first and read that many.
/// Either way each of those pixels costs the whole kernel (weight.numel()).
/// </summary>
public static class GeneratorCost
{
    public static double MacsPerImage(UnetGenerator generator, int side)
    {
        var levels = generator.Downsamplings;
        var downs = generator.modules().OfType<Conv2d>().Distinct().ToArray();
        var ups = generator.modules().OfType<ConvTranspose2d>().Distinct().ToArray();
        if (downs.Length != levels || ups.Length != levels) throw new InvalidOperationException($"expected {levels} down and {levels} up convolutions, found {downs.Length} and {ups.Length}");
        double macs = 0;
        for (var i = 0; i < downs.Length; i++) macs += downs[i].weight!.numel() * Pixels(side, i);
        for (var j = 0; j < ups.Length; j++) macs += ups[j].weight!.numel() * Pixels(side, levels - 1 - j);
        return macs;
    }

    private static double Pixels(int side, int level) => Math.Pow(side / Math.Pow(2, level + 1), 2);
}
