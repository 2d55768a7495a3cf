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

    /// <summary>Convolutions before a batch norm need no bias (its beta plays that role).</summary>
    public static bool ConvolutionsUseBias(NormKind norm) => norm != NormKind.Batch;
}
