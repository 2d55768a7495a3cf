using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Models;

/// <summary>The reference's 'normal' init: convolution weights N(0, 0.02), batch-norm gamma N(1, 0.02), biases 0.</summary>
internal static class WeightInit
{
    private const double Gain = 0.02;

    public static void Apply(nn.Module module)
    {
        using var _ = no_grad();
        foreach (var (_, child) in module.named_modules())
        {
            switch (child)
            {
                case Conv2d conv:
                    nn.init.normal_(conv.weight!, 0.0, Gain);
                    if (conv.bias is { } convBias) nn.init.zeros_(convBias);
                    break;
                case ConvTranspose2d deconv:
                    nn.init.normal_(deconv.weight!, 0.0, Gain);
                    if (deconv.bias is { } deconvBias) nn.init.zeros_(deconvBias);
                    break;
                case ScoreConv2d score:
                    nn.init.normal_(score.Weight, 0.0, Gain);
                    nn.init.zeros_(score.Bias);
                    break;
                case TestTimeBatchNorm2d norm:
                    nn.init.normal_(norm.Weight, 1.0, Gain);
                    nn.init.zeros_(norm.Bias);
                    break;
            }
        }
    }
}
