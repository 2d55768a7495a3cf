using Pix2Pix.Training.Options;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Pix2Pix.Training.Training;

/// <summary>
/// The adversarial loss against an all-real or all-fake target map: BCE with logits (vanilla), MSE (lsgan), or the
/// Wasserstein critic's mean score (wgangp: −mean for real, +mean for fake; as in the reference's pix2pix, no gradient
/// penalty is added, which its pix2pix model never calls).
/// </summary>
public sealed class GanLoss(GanMode mode)
{
    public Tensor Compute(Tensor prediction, bool targetIsReal)
    {
        if (mode == GanMode.Wgangp) return targetIsReal ? -prediction.mean() : prediction.mean();
        var target = targetIsReal ? ones_like(prediction) : zeros_like(prediction);
        return mode == GanMode.Vanilla
            ? binary_cross_entropy_with_logits(prediction, target)
            : mse_loss(prediction, target);
    }
}
