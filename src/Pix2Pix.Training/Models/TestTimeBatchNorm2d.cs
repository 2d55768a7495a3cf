using Pix2Pix.Contracts;
using TorchSharp;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Models;

/// <summary>
/// BatchNorm2d (affine, running statistics, the same parameter and buffer names as PyTorch's) whose
/// evaluation mode is chosen on purpose: the paper normalises each test image with its own statistics,
/// PyTorch's eval() would use the running averages. Training behaves exactly like nn.BatchNorm2d.
/// </summary>
public sealed class TestTimeBatchNorm2d : nn.Module<Tensor, Tensor>
{
    public const double Epsilon = 1e-5;
    private const double Momentum = 0.1;

    // Held for the life of the process: a temporary Scalar (as `add_(1)` makes) can be finalised by the GC
    // while LibTorch still reads it, and its memory reused by another scalar (seen once as a float alpha).
    private static readonly Scalar One = 1L.ToScalar();

    public TestTimeBatchNorm2d(long features) : base(nameof(TestTimeBatchNorm2d))
    {
        Features = features;
        register_parameter("weight", new TorchSharp.Modules.Parameter(ones(features)));
        register_parameter("bias", new TorchSharp.Modules.Parameter(zeros(features)));
        register_buffer("running_mean", zeros(features));
        register_buffer("running_var", ones(features));
        register_buffer("num_batches_tracked", tensor(0L));
    }

    public long Features { get; }

    public NormalizationAtTest AtTest { get; set; } = NormalizationAtTest.Image;

    public TorchSharp.Modules.Parameter Weight => get_parameter("weight")!;
    public TorchSharp.Modules.Parameter Bias => get_parameter("bias")!;
    public Tensor RunningMean => get_buffer("running_mean")!;
    public Tensor RunningVar => get_buffer("running_var")!;

    public override Tensor forward(Tensor input)
    {
        if (training)
        {
            using (no_grad()) get_buffer("num_batches_tracked")!.add_(One, One);
            return nn.functional.batch_norm(input, RunningMean, RunningVar, Weight, Bias, training: true, momentum: Momentum, eps: Epsilon);
        }

        return AtTest == NormalizationAtTest.Image
            ? nn.functional.instance_norm(input, weight: Weight, bias: Bias, use_input_stats: true, eps: Epsilon)
            : nn.functional.batch_norm(input, RunningMean, RunningVar, Weight, Bias, training: false, eps: Epsilon);
    }
}
