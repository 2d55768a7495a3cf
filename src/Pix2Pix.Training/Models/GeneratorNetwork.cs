using Pix2Pix.Contracts;
using TorchSharp;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Models;

/// <summary>
/// A pix2pix generator, whichever its architecture (the reference's define_G: a U-Net or a ResNet): N×input_nc×H×W in
/// [-1, 1] to N×output_nc×H×W, with H and W multiples of <see cref="SizeMultiple"/>. Training, checkpoints, the runner
/// and the exporter know it through this seam only.
/// </summary>
public abstract class GeneratorNetwork(string name) : nn.Module<Tensor, Tensor>(name)
{
    /// <summary>Image sides this generator takes must be multiples of this.</summary>
    public abstract int SizeMultiple { get; }

    /// <summary>How the convolutions are computed (see <see cref="ConvolutionMode"/>).</summary>
    public abstract ConvolutionMode Convolutions { get; set; }

    /// <summary>Chooses what batch norm does outside training (see <see cref="NormalizationAtTest"/>).</summary>
    public void SetNormalizationAtTest(NormalizationAtTest mode)
    {
        foreach (var norm in modules().OfType<TestTimeBatchNorm2d>()) norm.AtTest = mode;
    }

    /// <summary>Refuses input whose sides this generator cannot take, saying what it needs.</summary>
    protected void CheckInput(Tensor input)
    {
        if (input.dim() != 4 || input.shape[2] % SizeMultiple != 0 || input.shape[3] % SizeMultiple != 0)
        {
            throw new ArgumentException(
                $"the generator takes N×C×H×W input with H and W multiples of {SizeMultiple}; got {string.Join('×', input.shape)}");
        }
    }
}
