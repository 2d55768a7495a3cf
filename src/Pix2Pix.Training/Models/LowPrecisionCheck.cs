using System.Collections.Concurrent;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Models;

/// <summary>
/// Whether this CPU's LibTorch computes a kind of convolution right in a low precision. LibTorch 2.10's oneDNN gets bfloat16
/// convolutions with few input channels wrong on some CPUs: on an AMD EPYC of family 26 (Zen 5) the input gradient of the
/// discriminator's first layer (6 → 64 channels at 128²), which is what the cGAN term sends back to the generator, was
/// 17 % off float32's (relative error in norm) and different from run to run; with 6 → 8 channels the output too was 37 %
/// off (all right on an Intel Xeon with AMX). So each kind of convolution (layer, input shape, LibTorch threads) is tried
/// once per process, on made-up values, before it runs in the low precision: twice in it and once in float32, the same way
/// the layer runs. It is trusted when the two low-precision runs agree bit for bit (or a stopped run would not resume where
/// it stopped) and the output and both gradients are within <see cref="MaxRelativeError"/> of float32's (bfloat16's own
/// rounding: 0.3 %, measured on both machines; the wrong kernels: 13–37 %); otherwise that layer is computed in float32.
/// </summary>
internal static class LowPrecisionCheck
{
    public const double MaxRelativeError = 0.02;

    private static readonly ConcurrentDictionary<string, Lazy<bool>> Verdicts = new();
    private static readonly ConcurrentQueue<string> DistrustedKinds = new();

    /// <summary>The kinds of convolution found wrong so far, as "6→64 channels on 1×6×128×128 in bfloat16".</summary>
    public static IReadOnlyCollection<string> Distrusted => DistrustedKinds;

    /// <summary>
    /// Whether <paramref name="layer"/> may run on inputs shaped like <paramref name="input"/> in <paramref name="compute"/>;
    /// <paramref name="run"/> computes the layer the way it will be computed (its input's type decides the precision).
    /// </summary>
    public static bool Trusted(Convolution layer, Tensor input, ScalarType compute, Func<Tensor, Tensor> run)
    {
        var kind = $"{Describe(layer)} on {string.Join("×", input.shape)} in {compute.ToString().ToLowerInvariant()}";
        return Verdicts.GetOrAdd($"{kind}, {get_num_threads()} threads", _ => new Lazy<bool>(() =>
        {
            var trusted = Check(layer, input.shape, compute, run);
            if (!trusted) DistrustedKinds.Enqueue(kind);
            return trusted;
        })).Value;
    }

    private static string Describe(Convolution layer) =>
        $"{(layer is ConvTranspose2d ? "transposed " : "")}{layer.weight!.shape[layer is ConvTranspose2d ? 0 : 1]}→{layer.weight.shape[layer is ConvTranspose2d ? 1 : 0]} channels";

    /// <summary>The check itself, without the per-process verdicts: whether <paramref name="run"/> computes the layer right in <paramref name="compute"/>.</summary>
    internal static bool Check(Convolution layer, long[] shape, ScalarType compute, Func<Tensor, Tensor> run)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var input = MadeUp(shape, 1);
        var full = Gradients(layer, input, ScalarType.Float32, run);
        var low = Gradients(layer, input, compute, run);
        var again = Gradients(layer, input, compute, run);
        return low.Zip(again).All(p => p.First.eq(p.Second).all().item<bool>())
            && low.Zip(full).All(p => RelativeError(p.First, p.Second) <= MaxRelativeError);
    }

    // The output and the gradients of a made-up loss on the input, the weight and the bias, all in float32 (autograd.grad
    // leaves the layer's own .grad alone).
    private static Tensor[] Gradients(Convolution layer, Tensor input, ScalarType compute, Func<Tensor, Tensor> run)
    {
        var x = input.to(compute).detach().requires_grad_(true);
        var output = run(x);
        var weights = new List<Tensor> { x, layer.weight! };
        if (layer.bias is { } bias) weights.Add(bias);
        var gradients = autograd.grad([output], weights, [MadeUp(output.shape, 2).to(output.dtype)]);
        return [output.to(ScalarType.Float32), .. gradients.Select(g => g.to(ScalarType.Float32))];
    }

    // Values spread over [-1, 1] that depend on nothing but the shape: the run's random numbers are left as they were.
    private static Tensor MadeUp(long[] shape, int salt) =>
        (arange(shape.Aggregate(1L, (a, b) => a * b), dtype: ScalarType.Float64).mul(12.9898 + salt).sin().mul(43758.5453).abs().frac().mul(2).sub(1))
        .to(ScalarType.Float32).view(shape);

    private static double RelativeError(Tensor actual, Tensor expected)
    {
        var (a, e) = (actual.to(ScalarType.Float64), expected.to(ScalarType.Float64));
        return ((a - e).norm() / (e.norm() + 1e-30)).item<double>();
    }
}
