using Pix2Pix.Training.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pix2Pix.Training.Models;

/// <summary>The 1×1 PixelGAN of the paper's Table 3: it judges every pixel on its own (1×1 convolutions only).</summary>
public sealed class PixelDiscriminator : Module<Tensor, Tensor>
{
    private readonly Sequential net;

    public PixelDiscriminator(int inputNc, int ndf = 64, NormKind norm = NormKind.Batch) : base(nameof(PixelDiscriminator))
    {
        var useBias = NormLayer.ConvolutionsUseBias(norm);
        net = Sequential(
            Conv2d(inputNc, ndf, kernel_size: 1, stride: 1, padding: 0L),
            LeakyReLU(0.2),
            Conv2d(ndf, ndf * 2, kernel_size: 1, stride: 1, padding: 0L, bias: useBias),
            NormLayer.Create(norm, ndf * 2),
            LeakyReLU(0.2),
            Conv2d(ndf * 2, 1, kernel_size: 1, stride: 1, padding: 0L, bias: useBias));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => net.forward(input);
}
