using Pix2Pix.Training.Options;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Pix2Pix.Training.Training;

/// <summary>The adversarial loss against an all-real or all-fake target map: BCE with logits (vanilla) or MSE (lsgan).</summary>
public sealed class GanLoss(GanMode mode)
{
    public Tensor Compute(Tensor prediction, bool targetIsReal)
    {
        var target = targetIsReal ? ones_like(prediction) : zeros_like(prediction);
        return mode == GanMode.Vanilla
            ? binary_cross_entropy_with_logits(prediction, target)
            : mse_loss(prediction, target);
    }
}
