using Pix2Pix.Contracts;
using Pix2Pix.Training.Data;
using Pix2Pix.Training.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Inference;

/// <summary>
/// Runs a trained generator for users: dropout off (deterministic), batch norm as chosen
/// (<see cref="NormalizationAtTest"/>, the paper's per-image statistics by default). Any image size:
/// it is letterboxed to the native size, translated, and brought back, as the service does.
/// </summary>
public sealed class GeneratorRunner : ITranslator
{
    private readonly GeneratorNetwork generator;
    private readonly int inputNc;
    private readonly Training.DeviceContext device;

    public GeneratorRunner(GeneratorNetwork generator, int inputNc, int nativeSize, NormalizationAtTest normalization, Training.DeviceContext? device = null)
    {
        this.device = device ?? Training.DeviceContext.Cpu;
        this.generator = this.device.Hold(generator);
        this.inputNc = inputNc;
        NativeSize = nativeSize;
        generator.eval();
        generator.SetNormalizationAtTest(normalization);
    }

    public int NativeSize { get; }

    public Tensor Forward(Tensor input)
    {
        Training.FinalizerFence.Enter();
        using var _ = no_grad();
        return generator.forward(device.Put(input));
    }

    public Image<Rgb24> Translate(Image<Rgb24> input) => ITranslator.AtNativeSize(input, NativeSize, inputNc, values =>
    {
        using var scope = NewDisposeScope();
        return TensorImages.ToValues(Forward(tensor(values, [1, inputNc, NativeSize, NativeSize])));
    });

    public void Dispose() => generator.Dispose();
}
