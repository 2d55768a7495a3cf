using Pix2Pix.Contracts;
using Pix2Pix.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pix2Pix.Bench;

/// <summary>A bfloat16 twin of a generator: same architecture, the float32 weights cast.</summary>
public static class Networks16
{
    public static UnetGenerator Bfloat16Copy(GeneratorConfig config, UnetGenerator source)
    {
        var copy = Networks.CreateGenerator(config.Network, initialise: false);
        copy.load_state_dict(source.state_dict());
        copy.to(ScalarType.BFloat16);
        copy.eval();
        copy.SetNormalizationAtTest(NormalizationAtTest.Image);
        return copy;
    }
}
