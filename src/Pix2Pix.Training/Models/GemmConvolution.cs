using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Models;

/// <summary>
/// A Conv2d or ConvTranspose2d layer as one matrix product (unfold + matmul, or matmul + fold), for layers with a
/// small output. The U-Net's deep levels and the PatchGAN's last convolutions have few positions and many weights;
/// there LibTorch's convolution spends its time on the weights rather than the arithmetic, and the matrix product
/// is 2–5× faster forward and backward. Same parameters, same result (to float rounding); the weights are cast to
/// the input's type, so it serves mixed precision too. Returns null where the layer is not of that kind.
/// </summary>
public static class GemmConvolution
{
    /// <summary>Output positions (H×W) up to which the matrix product is used.</summary>
    public const long MaxPositions = 256;

    /// <summary>Whether <see cref="Conv"/> or <see cref="Deconv"/> computes <paramref name="layer"/> on <paramref name="input"/> (else they return null).</summary>
    public static bool Takes(Convolution layer, Tensor input) => OutputSide(layer, input) is not null;

    public static Tensor? Conv(Conv2d conv, Tensor input)
    {
        if (OutputSide(conv, input) is not var (outH, outW)) return null;
        var (k, s, padding) = (conv.kernel_size!, conv.stride!, conv.padding!);
        var n = input.shape[0];

        using var scope = NewDisposeScope();
        var columns = nn.functional.unfold(input, (k[0], k[1]), (1L, 1L), (padding[0], padding[1]), (s[0], s[1])); // N × (C·kh·kw) × L
        var output = conv.weight!.to(input.dtype).view(conv.weight.shape[0], -1).matmul(columns);                   // N × O × L
        if (conv.bias is { } bias) output = output.add(bias.to(input.dtype).view(1, -1, 1));
        return output.view(n, -1, outH, outW).MoveToOuterDisposeScope();
    }

    public static Tensor? Deconv(ConvTranspose2d deconv, Tensor input)
    {
        if (OutputSide(deconv, input) is not var (outH, outW)) return null;
        var (k, s, padding) = (deconv.kernel_size!, deconv.stride!, deconv.padding!);
        var (n, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3]);

        using var scope = NewDisposeScope();
        // The transposed convolution is the adjoint of a convolution: scatter Wᵀ·x back over the output (fold).
        var columns = deconv.weight!.to(input.dtype).view(channels, -1).t().matmul(input.view(n, channels, height * width)); // N × (O·kh·kw) × L
        var output = nn.functional.fold(columns, (outH, outW), (k[0], k[1]), (1L, 1L), (padding[0], padding[1]), (s[0], s[1]));
        if (deconv.bias is { } bias) output = output.add(bias.to(input.dtype).view(1, -1, 1, 1));
        return output.MoveToOuterDisposeScope();
    }

    // The output's height and width where the layer is of the kind a matrix product serves (plain, on a 4-d input, at most
    // MaxPositions output positions); null otherwise.
    private static (long Height, long Width)? OutputSide(Convolution layer, Tensor input)
    {
        if (layer is not (Conv2d or ConvTranspose2d) || !Plain(layer) || input.dim() != 4 || layer.padding is not { Length: 2 } padding) return null;
        var (k, s, height, width) = (layer.kernel_size!, layer.stride!, input.shape[2], input.shape[3]);
        var (outH, outW) = layer is ConvTranspose2d
            ? ((height - 1) * s[0] - 2 * padding[0] + k[0], (width - 1) * s[1] - 2 * padding[1] + k[1])
            : ((height + 2 * padding[0] - k[0]) / s[0] + 1, (width + 2 * padding[1] - k[1]) / s[1] + 1);
        return outH < 1 || outW < 1 || outH * outW > MaxPositions ? null : (outH, outW);
    }

    private static bool Plain(Convolution layer) =>
        layer.groups == 1 && layer.padding_mode == PaddingModes.Zeros && layer.padding_type is null
        && layer.dilation!.All(d => d == 1) && (layer.output_padding ?? []).All(p => p == 0);
}
