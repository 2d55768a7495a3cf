using Pix2Pix.Training.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Models;

/// <summary>The reference's get_norm_layer: batch norm is affine with running statistics, instance norm has neither.</summary>
internal static class NormLayer
{
    public static nn.Module<Tensor, Tensor> Create(NormKind norm, long features) => norm switch
    {
        NormKind.Batch => new TestTimeBatchNorm2d(features),
        NormKind.Instance => nn.InstanceNorm2d(features, affine: false, track_running_stats: false),
        _ => nn.Identity(),
    };

    /// <summary>
    /// The reference's use_bias: only before instance norm (which has no beta of its own). Before batch norm its beta plays
    /// that role; with no normalisation the reference's networks have no bias either (its get_norm_layer gives a plain
    /// function there, which its check for InstanceNorm2d does not match), and its checkpoints hold none to import.
    /// </summary>
    public static bool ConvolutionsUseBias(NormKind norm) => norm == NormKind.Instance;
}
