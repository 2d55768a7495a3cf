using Pix2Pix.Training.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pix2Pix.Training.Models;

/// <summary>
/// The PatchGAN discriminator (the reference's NLayerDiscriminator): it sees the condition and an image
/// stacked on the channel axis and scores every overlapping patch; with 3 layers each score sees 70×70 pixels.
/// Outputs logits (the loss applies the sigmoid).
/// </summary>
public sealed class PatchDiscriminator : Module<Tensor, Tensor>
{
    private readonly Sequential model;

    public PatchDiscriminator(int inputNc, int ndf = 64, int nLayers = 3, NormKind norm = NormKind.Batch)
        : base(nameof(PatchDiscriminator))
    {
        var useBias = NormLayer.ConvolutionsUseBias(norm);
        var layers = new List<Module<Tensor, Tensor>>
        {
            Conv2d(inputNc, ndf, kernel_size: 4, stride: 2, padding: 1),
            LeakyReLU(0.2),
        };
        var strides = new List<int> { 2 };
        var previous = 1;
        for (var n = 1; n <= nLayers; n++)
        {
            var multiple = Math.Min(1 << n, 8);
            var stride = n < nLayers ? 2 : 1;
            strides.Add(stride);
            layers.Add(Conv2d(ndf * previous, ndf * multiple, kernel_size: 4, stride: stride, padding: 1, bias: useBias));
            layers.Add(NormLayer.Create(norm, ndf * multiple));
            layers.Add(LeakyReLU(0.2));
            previous = multiple;
        }

        layers.Add(new ScoreConv2d(ndf * previous, KernelSize));
        strides.Add(1);
        model = Sequential(layers);
        Strides = strides;
        RegisterComponents();
    }

    public const int KernelSize = 4;

    /// <summary>The stride of every 4×4 convolution, in order; the receptive field follows from them.</summary>
    public IReadOnlyList<int> Strides { get; }

    /// <summary>How many input pixels across one output score sees: 70 for the basic 3-layer discriminator.</summary>
    public int ReceptiveField => Strides.Reverse().Aggregate(1, (span, stride) => (span - 1) * stride + KernelSize);

    /// <summary>How the convolutions are computed (the score layer computes its own, in float32).</summary>
    public ConvolutionMode Convolutions { get; set; } = ConvolutionMode.Exact;

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var layer in model.children().Cast<Module<Tensor, Tensor>>()) x = Convolutions.Forward(layer, x);
        return x;
    }
}
