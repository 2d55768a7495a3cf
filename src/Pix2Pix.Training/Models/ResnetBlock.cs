using Pix2Pix.Training.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pix2Pix.Training.Models;

/// <summary>
/// One residual block of the ResNet generator: x + (reflection pad, 3×3 conv, norm, ReLU, [dropout], reflection pad,
/// 3×3 conv, norm)(x), the layers in <c>conv_block</c> as the reference names them.
/// </summary>
public sealed class ResnetBlock : Module<Tensor, Tensor>
{
    private readonly Sequential conv_block;

    public ResnetBlock(long channels, NormKind norm, bool useDropout, bool useBias)
        : base(nameof(ResnetBlock))
    {
        var layers = new List<Module<Tensor, Tensor>>
        {
            ReflectionPad2d(1),
            Conv2d(channels, channels, kernel_size: 3, padding: 0L, bias: useBias),
            NormLayer.Create(norm, channels),
            ReLU(),
        };
        if (useDropout) layers.Add(Dropout(0.5));
        layers.Add(ReflectionPad2d(1));
        layers.Add(Conv2d(channels, channels, kernel_size: 3, padding: 0L, bias: useBias));
        layers.Add(NormLayer.Create(norm, channels));
        conv_block = Sequential(layers);
        RegisterComponents();
    }

    /// <summary>The residual branch's layers in order, for exporters.</summary>
    public IEnumerable<Module<Tensor, Tensor>> Layers => conv_block.children().Cast<Module<Tensor, Tensor>>();

    public override Tensor forward(Tensor x) => Forward(x, ConvolutionMode.Exact);

    public Tensor Forward(Tensor x, ConvolutionMode convolutions)
    {
        var y = x;
        foreach (var layer in Layers) y = convolutions.Forward(layer, y);
        return x.add(y);
    }
}
