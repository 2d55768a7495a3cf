using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Models;

/// <summary>
/// How a network computes its Conv2d and ConvTranspose2d layers. <see cref="Exact"/> (the default) uses a matrix
/// product for the small ones (<see cref="GemmConvolution"/>), in the input's own type; <see cref="MixedBFloat16"/>
/// also runs every convolution in bfloat16 on bfloat16 copies of the float32 weights (what autocast does in
/// PyTorch), the gradients flowing back to the float32 weights, except the small ones (under <see cref="MinLowPrecisionPositions"/>
/// output positions), which cost little and where batch norm over a few pixels would magnify bfloat16's rounding, and
/// those that this CPU's LibTorch computes wrong in bfloat16 (<see cref="ConvolutionCheck"/>);
/// <see cref="Native"/> leaves every layer to LibTorch. In every mode a float32 layer that this CPU's LibTorch computes wrong
/// in float32 (<see cref="ConvolutionCheck"/> again) is computed in float64. The layers and their parameters are the same in every mode.
/// </summary>
public sealed record ConvolutionMode(bool MatrixProducts, ScalarType? Compute)
{
    public const long MinLowPrecisionPositions = 100;

    public static readonly ConvolutionMode Native = new(false, null);
    public static readonly ConvolutionMode Exact = new(true, null);
    public static readonly ConvolutionMode MixedBFloat16 = new(true, ScalarType.BFloat16);

    /// <summary>Runs <paramref name="layer"/> on <paramref name="input"/> in this mode (other layers as they are).</summary>
    public Tensor Forward(nn.Module<Tensor, Tensor> layer, Tensor input)
    {
        if (layer is not Convolution convolution || convolution is not (Conv2d or ConvTranspose2d)) return layer.forward(input);
        var byMatrixProduct = MatrixProducts && GemmConvolution.Takes(convolution, input);
        if (Compute is { } compute && compute != input.dtype && OutputPositions(layer, input) >= MinLowPrecisionPositions
            && ConvolutionCheck.Trusted(convolution, input, compute, byMatrixProduct, x => Run(layer, x)))
        {
            return RunIn(compute, layer, input);
        }

        if (input.dtype == ScalarType.Float32 && convolution.padding_mode == PaddingModes.Zeros
            && !ConvolutionCheck.Trusted(convolution, input, ScalarType.Float32, byMatrixProduct, x => Run(layer, x)))
        {
            return RunIn(ScalarType.Float64, layer, input);
        }

        return MatrixProducts || Compute is not null ? Run(layer, input) : layer.forward(input);
    }

    private Tensor RunIn(ScalarType compute, nn.Module<Tensor, Tensor> layer, Tensor input)
    {
        using var scope = NewDisposeScope();
        return Run(layer, input.to(compute)).to(input.dtype).MoveToOuterDisposeScope();
    }

    private Tensor Run(nn.Module<Tensor, Tensor> layer, Tensor input) => layer switch
    {
        Conv2d conv => (MatrixProducts ? GemmConvolution.Conv(conv, input) : null)
            ?? nn.functional.conv2d(input, Cast(conv.weight, input.dtype)!, Cast(conv.bias, input.dtype), conv.stride, conv.padding, conv.dilation, conv.groups),
        ConvTranspose2d deconv => (MatrixProducts ? GemmConvolution.Deconv(deconv, input) : null)
            ?? nn.functional.conv_transpose2d(input, Cast(deconv.weight, input.dtype)!, Cast(deconv.bias, input.dtype), deconv.stride, deconv.padding, deconv.output_padding, deconv.dilation, deconv.groups),
        _ => layer.forward(input),
    };

    private static long OutputPositions(nn.Module<Tensor, Tensor> layer, Tensor input)
    {
        var (layerStride, height, width) = (((Convolution)layer).stride!, input.shape[^2], input.shape[^1]);
        return layer is ConvTranspose2d ? height * width * layerStride[0] * layerStride[1] : height * width / (layerStride[0] * layerStride[1]);
    }

    private static Tensor? Cast(Tensor? parameter, ScalarType type) => parameter is null || parameter.dtype == type ? parameter : parameter.to(type);
}
