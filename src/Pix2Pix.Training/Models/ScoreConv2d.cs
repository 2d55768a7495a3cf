using TorchSharp;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Models;

/// <summary>
/// The discriminator's last layer: a k×k convolution (stride 1, padding 1) down to one score channel,
/// computed as unfold + matrix product. LibTorch 2.10's CPU convolution returns wrong input gradients
/// when a convolution has so few output channels (measured: 30–40% relative error against float64, the
/// gradient of one score reaching only part of its 70×70 patch), which would corrupt every gradient
/// below it, the generator's included. Same parameters and names as nn.Conv2d, so checkpoints match
/// the reference's; the network tests compare gradients against a float64 computation.
/// </summary>
public sealed class ScoreConv2d : nn.Module<Tensor, Tensor>
{
    private const long Padding = 1;
    private readonly long kernel;

    public ScoreConv2d(long inputChannels, long kernelSize) : base(nameof(ScoreConv2d))
    {
        kernel = kernelSize;
        // nn.Conv2d's default init (kaiming uniform, a = √5); the reference's 'normal' init then overwrites it.
        var bound = 1.0 / Math.Sqrt(inputChannels * kernelSize * kernelSize);
        register_parameter("weight", new TorchSharp.Modules.Parameter(empty(1, inputChannels, kernelSize, kernelSize).uniform_(-bound, bound)));
        register_parameter("bias", new TorchSharp.Modules.Parameter(empty(1).uniform_(-bound, bound)));
    }

    public TorchSharp.Modules.Parameter Weight => get_parameter("weight")!;
    public TorchSharp.Modules.Parameter Bias => get_parameter("bias")!;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (n, height, width) = (input.shape[0], input.shape[2], input.shape[3]);
        var (outH, outW) = (height + 2 * Padding - kernel + 1, width + 2 * Padding - kernel + 1);
        var columns = nn.functional.unfold(input, kernel, padding: Padding);      // N × (C·k·k) × L
        var scores = Weight.view(1, -1).matmul(columns) + Bias.view(1, 1, 1);    // N × 1 × L
        return scores.view(n, 1, outH, outW).MoveToOuterDisposeScope();
    }
}
