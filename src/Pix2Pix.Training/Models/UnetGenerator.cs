using Pix2Pix.Contracts;
using Pix2Pix.Training.Options;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pix2Pix.Training.Models;

/// <summary>
/// The pix2pix generator: a U-Net of <c>downsamplings</c> levels built from the innermost block outwards
/// (channels ngf, 2ngf, 4ngf, 8ngf, then 8ngf down to the 1×1 bottleneck), dropout on the 8ngf blocks
/// around the innermost one (downsamplings − 5 of them: three in unet_256, two in unet_128). The
/// <c>unnormalisedLevels</c> innermost levels have no normalisation (<see cref="NetworkOptions.UnnormalisedLevels"/>).
/// </summary>
public sealed class UnetGenerator : GeneratorNetwork
{
    private readonly UnetSkipConnectionBlock model;

    public UnetGenerator(int inputNc, int outputNc, int downsamplings, int ngf = 64, NormKind norm = NormKind.Batch, bool useDropout = true,
        int unnormalisedLevels = 0)
        : base(nameof(UnetGenerator))
    {
        if (downsamplings < 5) throw new ArgumentOutOfRangeException(nameof(downsamplings), "a U-Net needs at least 5 levels");
        Downsamplings = downsamplings;
        if (unnormalisedLevels < 0 || unnormalisedLevels >= downsamplings) throw new ArgumentOutOfRangeException(nameof(unnormalisedLevels), "at most the levels inside the outermost");
        var level = 0;
        NormKind Next() => level++ < unnormalisedLevels ? NormKind.None : norm;   // innermost first
        var block = new UnetSkipConnectionBlock(ngf * 8, ngf * 8, UnetLevel.Innermost, Next());
        for (var i = 0; i < downsamplings - 5; i++)
        {
            block = new UnetSkipConnectionBlock(ngf * 8, ngf * 8, UnetLevel.Middle, Next(), block, useDropout: useDropout);
        }

        block = new UnetSkipConnectionBlock(ngf * 4, ngf * 8, UnetLevel.Middle, Next(), block);
        block = new UnetSkipConnectionBlock(ngf * 2, ngf * 4, UnetLevel.Middle, Next(), block);
        block = new UnetSkipConnectionBlock(ngf, ngf * 2, UnetLevel.Middle, Next(), block);
        model = new UnetSkipConnectionBlock(outputNc, ngf, UnetLevel.Outermost, norm, block, inputNc: inputNc);
        RegisterComponents();
    }

    public int Downsamplings { get; }

    public UnetSkipConnectionBlock Outermost => model;

    public override int SizeMultiple => 1 << Downsamplings;

    public override Tensor forward(Tensor input)
    {
        CheckInput(input);
        return model.forward(input);
    }

    /// <summary>How every level computes its convolutions.</summary>
    public override ConvolutionMode Convolutions
    {
        get => model.Convolutions;
        set
        {
            foreach (var block in modules().OfType<UnetSkipConnectionBlock>()) block.Convolutions = value;
        }
    }
}
