using Pix2Pix.Contracts;
using Pix2Pix.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pix2Pix.Bench;

/// <summary>A bfloat16 twin of a generator: built again from the same seed (so no tensor is shared with it), then cast.</summary>
public static class Networks16
{
    public static GeneratorNetwork Bfloat16Copy(GeneratorConfig config)
    {
        manual_seed(0);
        var copy = Networks.CreateGenerator(config.Network);
        copy.to(ScalarType.BFloat16);
        copy.eval();
        copy.SetNormalizationAtTest(NormalizationAtTest.Image);
        return copy;
    }
}
