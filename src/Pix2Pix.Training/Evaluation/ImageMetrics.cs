using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Pix2Pix.Training.Evaluation;

/// <summary>One image's scores against its target; images are 1×3×H×W in [0, 1].</summary>
public sealed record ImageScores(double L1, double Psnr, double Ssim, double Sharpness, double Colourfulness, double TargetColourfulness);

/// <summary>
/// The report card's metrics: mean absolute error, PSNR, SSIM (Wang et al.: 11×11 Gaussian window,
/// σ 1.5, on luma), a sharpness ratio (gradient energy of output over target: 1 is ideal, blurry L1-only
/// outputs fall below it) and colourfulness (Hasler and Süsstrunk) of output and target.
/// </summary>
public static class ImageMetrics
{
    public const double MaxPsnr = 100.0;

    public static ImageScores Score(Tensor output, Tensor target)
    {
        using var scope = NewDisposeScope();
        var mse = (output - target).square().mean().item<float>();
        return new ImageScores(
            (output - target).abs().mean().item<float>(),
            mse <= 0 ? MaxPsnr : Math.Min(MaxPsnr, 10 * Math.Log10(1.0 / mse)),
            Ssim(Luma(output), Luma(target)),
            GradientEnergy(Luma(output)) / Math.Max(GradientEnergy(Luma(target)), 1e-12),
            Colourfulness(output),
            Colourfulness(target));
    }

    public static Tensor Luma(Tensor rgb) =>
        (rgb[.., 0..1] * 0.299 + rgb[.., 1..2] * 0.587 + rgb[.., 2..3] * 0.114);

    public static double Ssim(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
        var window = Gaussian(11, 1.5);
        Tensor Blur(Tensor t) => conv2d(t, window, padding: [5L, 5L]);
        var (muX, muY) = (Blur(x), Blur(y));
        var sigmaX = Blur(x * x) - muX * muX;
        var sigmaY = Blur(y * y) - muY * muY;
        var sigmaXY = Blur(x * y) - muX * muY;
        var map = (2 * muX * muY + c1) * (2 * sigmaXY + c2) / ((muX * muX + muY * muY + c1) * (sigmaX + sigmaY + c2));
        return map.mean().item<float>();
    }

    /// <summary>Mean squared horizontal and vertical differences: how much edge a picture has.</summary>
    public static double GradientEnergy(Tensor luma)
    {
        using var scope = NewDisposeScope();
        var dx = luma[.., .., .., 1..] - luma[.., .., .., ..^1];
        var dy = luma[.., .., 1.., ..] - luma[.., .., ..^1, ..];
        return (dx.square().mean() + dy.square().mean()).item<float>();
    }

    /// <summary>Hasler and Süsstrunk's colourfulness on 0–255 values: σ_rgyb + 0.3·μ_rgyb (0 for grey pictures).</summary>
    public static double Colourfulness(Tensor rgb)
    {
        using var scope = NewDisposeScope();
        var scaled = rgb * 255;
        var rg = scaled[.., 0] - scaled[.., 1];
        var yb = (scaled[.., 0] + scaled[.., 1]) * 0.5 - scaled[.., 2];
        var sigma = Math.Sqrt(rg.var(unbiased: false).item<float>() + yb.var(unbiased: false).item<float>());
        var mu = Math.Sqrt(Math.Pow(rg.mean().item<float>(), 2) + Math.Pow(yb.mean().item<float>(), 2));
        return sigma + 0.3 * mu;
    }

    private static Tensor Gaussian(int size, double sigma)
    {
        var half = size / 2;
        var weights = Enumerable.Range(-half, size).Select(i => Math.Exp(-i * i / (2 * sigma * sigma))).ToArray();
        var sum = weights.Sum();
        var line = tensor(weights.Select(w => (float)(w / sum)).ToArray());
        return line.outer(line).view(1, 1, size, size);
    }
}
