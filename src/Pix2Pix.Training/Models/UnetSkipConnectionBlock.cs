using Pix2Pix.Training.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pix2Pix.Training.Models;

public enum UnetLevel { Outermost, Middle, Innermost }

/// <summary>
/// One level of the U-Net: down-convolve, run the inner levels, up-convolve, and (below the outermost)
/// concatenate the input as the skip connection. The layer order inside <c>model</c> is the reference's,
/// so state-dict keys match its checkpoints (each inner block is <c>model.3</c>, or <c>model.1</c> of the outermost).
/// </summary>
public sealed class UnetSkipConnectionBlock : Module<Tensor, Tensor>
{
    private readonly Sequential model;
    private readonly bool outermost;

    public UnetSkipConnectionBlock(long outerNc, long innerNc, UnetLevel level, NormKind norm,
        UnetSkipConnectionBlock? submodule = null, long? inputNc = null, bool useDropout = false)
        : base(nameof(UnetSkipConnectionBlock))
    {
        outermost = level == UnetLevel.Outermost;
        var useBias = NormLayer.ConvolutionsUseBias(norm);
        var downconv = Conv2d(inputNc ?? outerNc, innerNc, kernel_size: 4, stride: 2, padding: 1, bias: useBias);
        var layers = new List<Module<Tensor, Tensor>>();
        switch (level)
        {
            case UnetLevel.Outermost:
                layers.Add(downconv);
                layers.Add(submodule ?? throw new ArgumentNullException(nameof(submodule)));
                layers.Add(ReLU());
                layers.Add(ConvTranspose2d(innerNc * 2, outerNc, kernel_size: 4, stride: 2, padding: 1, bias: true));
                layers.Add(Tanh());
                break;
            case UnetLevel.Innermost:
                layers.Add(LeakyReLU(0.2));
                layers.Add(downconv);
                layers.Add(ReLU());
                layers.Add(ConvTranspose2d(innerNc, outerNc, kernel_size: 4, stride: 2, padding: 1, bias: useBias));
                layers.Add(NormLayer.Create(norm, outerNc));
                break;
            default:
                layers.Add(LeakyReLU(0.2));
                layers.Add(downconv);
                layers.Add(NormLayer.Create(norm, innerNc));
                layers.Add(submodule ?? throw new ArgumentNullException(nameof(submodule)));
                layers.Add(ReLU());
                layers.Add(ConvTranspose2d(innerNc * 2, outerNc, kernel_size: 4, stride: 2, padding: 1, bias: useBias));
                layers.Add(NormLayer.Create(norm, outerNc));
                if (useDropout) layers.Add(Dropout(0.5));
                break;
        }

        model = Sequential(layers);
        RegisterComponents();
    }

    /// <summary>The layers in order, for exporters that walk the tree.</summary>
    public IEnumerable<Module<Tensor, Tensor>> Layers => model.children().Cast<Module<Tensor, Tensor>>();

    public bool IsOutermost => outermost;

    public override Tensor forward(Tensor x) =>
        outermost ? Run(x) : cat([x, Run(x)], 1);

    /// <summary>How this block's convolutions are computed (set for the whole network by its owner).</summary>
    public ConvolutionMode Convolutions { get; set; } = ConvolutionMode.Exact;

    private Tensor Run(Tensor x)
    {
        foreach (var layer in Layers) x = Convolutions.Forward(layer, x);
        return x;
    }
}
