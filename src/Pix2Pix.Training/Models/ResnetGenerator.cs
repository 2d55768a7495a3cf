using Pix2Pix.Training.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pix2Pix.Training.Models;

/// <summary>
/// The reference's ResnetGenerator (resnet_9blocks, resnet_6blocks; Johnson et al.'s style-transfer network): a 7×7
/// convolution on a reflection-padded input, two stride-2 downsamplings, <c>blocks</c> residual blocks at 4ngf, two
/// transposed convolutions back up, and a 7×7 convolution to the output with tanh. Its layers sit in <c>model</c> in the
/// reference's order, so state-dict keys match its checkpoints.
/// </summary>
public sealed class ResnetGenerator : GeneratorNetwork
{
    private const int Downsamplings = 2;
    private readonly Sequential model;

    public ResnetGenerator(int inputNc, int outputNc, int blocks, int ngf = 64, NormKind norm = NormKind.Batch, bool useDropout = true)
        : base(nameof(ResnetGenerator))
    {
        if (blocks < 1) throw new ArgumentOutOfRangeException(nameof(blocks), "a ResNet generator needs at least one block");
        Blocks = blocks;
        var useBias = NormLayer.ConvolutionsUseBias(norm);
        var layers = new List<Module<Tensor, Tensor>>
        {
            ReflectionPad2d(3),
            Conv2d(inputNc, ngf, kernel_size: 7, padding: 0L, bias: useBias),
            NormLayer.Create(norm, ngf),
            ReLU(),
        };
        for (var i = 0; i < Downsamplings; i++)
        {
            var channels = ngf << i;
            layers.Add(Conv2d(channels, channels * 2, kernel_size: 3, stride: 2, padding: 1, bias: useBias));
            layers.Add(NormLayer.Create(norm, channels * 2));
            layers.Add(ReLU());
        }

        for (var i = 0; i < blocks; i++) layers.Add(new ResnetBlock(ngf << Downsamplings, norm, useDropout, useBias));
        for (var i = 0; i < Downsamplings; i++)
        {
            var channels = ngf << (Downsamplings - i);
            layers.Add(ConvTranspose2d(channels, channels / 2, kernel_size: 3, stride: 2, padding: 1, output_padding: 1, bias: useBias));
            layers.Add(NormLayer.Create(norm, channels / 2));
            layers.Add(ReLU());
        }

        layers.Add(ReflectionPad2d(3));
        layers.Add(Conv2d(ngf, outputNc, kernel_size: 7, padding: 0L));
        layers.Add(Tanh());
        model = Sequential(layers);
        RegisterComponents();
    }

    public int Blocks { get; }

    public override int SizeMultiple => 1 << Downsamplings;

    /// <summary>The layers in order (residual blocks as one layer each), for exporters that walk the network.</summary>
    public IEnumerable<Module<Tensor, Tensor>> Layers => model.children().Cast<Module<Tensor, Tensor>>();

    public override ConvolutionMode Convolutions { get; set; } = ConvolutionMode.Exact;

    public override Tensor forward(Tensor input)
    {
        CheckInput(input);
        // The blocks' reflection padding needs at least 2×2 at 4ngf, after the two halvings.
        if (input.shape[2] < 8 || input.shape[3] < 8) throw new ArgumentException($"the ResNet generator takes sides of 8 or more; got {string.Join('×', input.shape)}");
        var x = input;
        foreach (var layer in Layers) x = layer is ResnetBlock block ? block.Forward(x, Convolutions) : Convolutions.Forward(layer, x);
        return x;
    }
}
