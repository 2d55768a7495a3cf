using System.Collections.Concurrent;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Models;

/// <summary>
/// Whether this CPU's LibTorch computes a kind of convolution right in a precision: bfloat16 against float32, and float32
/// itself against float64 (LibTorch's own reference path, without oneDNN). LibTorch 2.10's oneDNN gets bfloat16
/// convolutions with few input channels wrong on some CPUs: on an AMD EPYC of family 26 (Zen 5) the input gradient of the
/// discriminator's first layer (6 → 64 channels at 128²), which is what the cGAN term sends back to the generator, was
/// 17 % off float32's (relative error in norm) and different from run to run; with 6 → 8 channels the output too was 37 %
/// off (all right on an Intel Xeon with AMX). The input gradient of its last layer (512 → 1 channel) reads memory it has
/// not written: checked in a fresh process it came out wrong, after NaN-filled memory was freed it came out NaN (20 times
/// in 20), and one NaN there turns the whole generator to NaN in one step. So each kind of convolution (layer, input
/// shape, LibTorch threads, and whether it runs as one matrix product or as LibTorch's convolution) is tried once per
/// process, on made-up values, before it runs in the low precision: twice in it, each time just after NaN-filled memory
/// was freed, and once in float32, the same way the layer runs. It is trusted when the two low-precision runs agree bit for
/// bit (or a stopped run would not resume where it stopped) and the output and both gradients are within
/// <see cref="MaxRelativeError"/> of float32's (bfloat16's own rounding: 0.3 %, measured on both machines; the wrong
/// kernels: 13–37 %, or NaN); otherwise that layer is computed in float32.
/// Float32 is checked the same way, against float64 and within <see cref="MaxFloat32RelativeError"/>: on the same Zen 5 the
/// input gradient of a 7×7 convolution with few channels on a reflection-padded input (the ResNet generators' first and
/// last layers) read memory it had not written, NaN in 44–100 runs of 100 after NaN-filled memory was freed, and in about
/// one briefly trained ResNet generator in twenty it turned the whole generator to NaN. Such a layer is computed in float64.
/// A layer whose input needs no gradient (a network's first, on the data) is checked without it.
/// </summary>
internal static class ConvolutionCheck
{
    public const double MaxRelativeError = 0.02;

    /// <summary>How far float32 may be from float64 (its own rounding is about 1e-6 here).</summary>
    public const double MaxFloat32RelativeError = 1e-3;

    private static readonly ConcurrentDictionary<string, Lazy<bool>> Verdicts = new();
    private static readonly ConcurrentQueue<string> DistrustedKinds = new();

    /// <summary>The kinds of convolution found wrong so far, as "6→64 channels, 4×4 stride 2 padding 1 on 1×6×128×128 in bfloat16"
    /// (computed in float32 instead) or "… in float32" (computed in float64 instead).</summary>
    public static IReadOnlyCollection<string> Distrusted => DistrustedKinds;

    /// <summary>
    /// Whether <paramref name="layer"/> may run on inputs shaped like <paramref name="input"/> in <paramref name="compute"/>;
    /// <paramref name="run"/> computes the layer the way it will be computed (its input's type decides the precision), as one
    /// matrix product (<see cref="GemmConvolution"/>) when <paramref name="byMatrixProduct"/>, else by LibTorch's convolution:
    /// the two are different kernels, and one process may use both for the same layer (the fast step and <c>--no_fast_step</c>),
    /// so each has its own verdict.
    /// </summary>
    public static bool Trusted(Convolution layer, Tensor input, ScalarType compute, bool byMatrixProduct, Func<Tensor, Tensor> run)
    {
        var inputGradient = input.requires_grad;
        var kind = $"{Describe(layer)} on {string.Join("×", input.shape)}{(inputGradient ? "" : " (no input gradient)")} in {compute.ToString().ToLowerInvariant()}"
            + (byMatrixProduct ? " as a matrix product" : "");
        return Verdicts.GetOrAdd($"{kind}, {get_num_threads()} threads", _ => new Lazy<bool>(() =>
        {
            var trusted = Check(layer, input.shape, compute, run, inputGradient);
            if (!trusted) DistrustedKinds.Enqueue(kind);
            return trusted;
        })).Value;
    }

    // "6→64 channels, 4×4 stride 2": what besides the input's shape picks the kernel LibTorch runs.
    private static string Describe(Convolution layer)
    {
        var (transposed, shape) = (layer is ConvTranspose2d, layer.weight!.shape);
        var (inputs, outputs) = transposed ? (shape[0], shape[1]) : (shape[1], shape[0]);
        return $"{(transposed ? "transposed " : "")}{inputs}→{outputs} channels, {shape[2]}×{shape[3]} stride {string.Join("×", layer.stride!.Distinct())} padding {string.Join("×", layer.padding!.Distinct())}";
    }

    /// <summary>
    /// The check itself, without the per-process verdicts: whether <paramref name="run"/> computes the layer right in
    /// <paramref name="compute"/>, against float64 when that is float32 and against float32 otherwise; with
    /// <paramref name="inputGradient"/> false, the input's gradient is left out (a layer on data that needs none).
    /// </summary>
    internal static bool Check(Convolution layer, long[] shape, ScalarType compute, Func<Tensor, Tensor> run, bool inputGradient = true)
    {
        Nnpack.TurnOff();
        // The layer's own parameters may be frozen for this pass (the discriminator's, during the generator's step): the check
        // takes their gradients all the same, without touching .grad, and leaves them as they were.
        var frozen = layer.parameters().Where(p => !p.requires_grad).ToList();
        foreach (var parameter in frozen) parameter.requires_grad = true;
        try
        {
            return Compare(layer, shape, compute, run, inputGradient);
        }
        finally
        {
            foreach (var parameter in frozen) parameter.requires_grad = false;
        }
    }

    private static bool Compare(Convolution layer, long[] shape, ScalarType compute, Func<Tensor, Tensor> run, bool inputGradient)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var (reference, tolerance) = compute == ScalarType.Float32 ? (ScalarType.Float64, MaxFloat32RelativeError) : (ScalarType.Float32, MaxRelativeError);
        var input = MadeUp(shape, 1).to(layer.weight!.device);
        var full = Gradients(layer, input, reference, run, inputGradient);
        var largest = 4 * (input.numel() + layer.weight.numel());
        FillFreedMemory(largest);
        var low = Gradients(layer, input, compute, run, inputGradient);
        FillFreedMemory(largest);
        var again = Gradients(layer, input, compute, run, inputGradient);
        return low.Zip(again).All(p => p.First.eq(p.Second).all().item<bool>())
            && low.Zip(full).All(p => RelativeError(p.First, p.Second) <= tolerance);
    }

    // The output and the gradients of a made-up loss on the input (where it needs one), the weight and the bias, all in
    // float64 so that float32 can be held against its reference too (autograd.grad leaves the layer's own .grad alone).
    private static Tensor[] Gradients(Convolution layer, Tensor input, ScalarType compute, Func<Tensor, Tensor> run, bool inputGradient)
    {
        var x = input.to(compute).detach().requires_grad_(inputGradient);
        var output = run(x);
        var weights = new List<Tensor> { layer.weight! };
        if (inputGradient) weights.Insert(0, x);
        if (layer.bias is { } bias) weights.Add(bias);
        var gradients = autograd.grad([output], weights, [MadeUp(output.shape, 2).to(output.dtype, output.device)]);
        return [output.to(ScalarType.Float64), .. gradients.Select(g => g.to(ScalarType.Float64))];
    }

    // Frees tensors with all bits set (NaN in every floating-point type), four of every power-of-two size up to a few times
    // the layer's (at most 2²² words), where the allocator hands out the next tensors and a kernel's scratch memory: a
    // kernel that reads memory it has not written then comes out non-finite instead of right by luck, whatever the process
    // did before.
    private static void FillFreedMemory(long largest)
    {
        using var scope = NewDisposeScope();
        for (var size = 1L; size <= Math.Clamp(largest, 1L << 16, 1L << 22); size *= 2)
        {
            for (var copy = 0; copy < 4; copy++) full([size], -1, ScalarType.Int32);
        }
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
