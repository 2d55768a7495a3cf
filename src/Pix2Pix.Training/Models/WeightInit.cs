using Pix2Pix.Training.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Models;

/// <summary>
/// The reference's init_weights: convolution weights by --init_type (normal: N(0, gain); xavier: Glorot normal with
/// gain; kaiming: He normal, fan in; orthogonal with gain), batch-norm gamma N(1, gain), biases 0.
/// </summary>
internal static class WeightInit
{
    public static void Apply(nn.Module module, Initialisation? initialisation = null)
    {
        var init = initialisation ?? new Initialisation();
        using var _ = no_grad();
        foreach (var (_, child) in module.named_modules())
        {
            switch (child)
            {
                case Conv2d conv:
                    Weight(conv.weight!, init);
                    if (conv.bias is { } convBias) nn.init.zeros_(convBias);
                    break;
                case ConvTranspose2d deconv:
                    Weight(deconv.weight!, init);
                    if (deconv.bias is { } deconvBias) nn.init.zeros_(deconvBias);
                    break;
                case ScoreConv2d score:
                    Weight(score.Weight, init);
                    nn.init.zeros_(score.Bias);
                    break;
                case TestTimeBatchNorm2d norm:
                    nn.init.normal_(norm.Weight, 1.0, init.Gain);
                    nn.init.zeros_(norm.Bias);
                    break;
            }
        }
    }

    private static void Weight(Tensor weight, Initialisation init)
    {
        switch (init.Type)
        {
            case InitType.Xavier:
                nn.init.xavier_normal_(weight, init.Gain);
                break;
            case InitType.Kaiming:
                nn.init.kaiming_normal_(weight, 0.0, nn.init.FanInOut.FanIn);
                break;
            case InitType.Orthogonal:
                nn.init.orthogonal_(weight, init.Gain);
                break;
            default:
                nn.init.normal_(weight, 0.0, init.Gain);
                break;
        }
    }
}
