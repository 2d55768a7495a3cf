using System.Numerics;
using System.Runtime.InteropServices;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Training;

/// <summary>
/// Adam's update in one pass over memory, on the state of a TorchSharp <see cref="Adam"/> (so its checkpoints,
/// learning rate and betas are the optimiser's own). TorchSharp's step makes eight passes over every parameter
/// (mul, add, mul, addcmul, sqrt, div, add, addcdiv), each reading and writing 42 MB for the 10.5 M weights of the
/// shipped generator; here each float is read and written once. Same formula, in the same order:
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε).
/// The same pass zeroes each gradient after reading it, which is what the next zero_grad() would do in a pass of its own.
/// </summary>
public static class FusedAdam
{
    private const int Chunk = 1 << 16;

    /// <summary>One optimisation step of <paramref name="adam"/> (no weight decay, AMSGrad or maximize). With
    /// <paramref name="replicas"/>, the gradient is their weighted sum and the new weights are written to each of them
    /// as well, in the same pass.</summary>
    public static void Step(Adam adam, ReplicaParameters? replicas = null)
    {
        var states = adam.state_dict().State;
        var index = 0;
        foreach (var group in adam.ParamGroups.Cast<ParamGroup>())
        {
            var options = (Adam.Options)group.Options;
            if (options.weight_decay is not (null or 0.0) || options.amsgrad == true || options.maximize == true)
            {
                throw new NotSupportedException("the fused Adam step has no weight decay, AMSGrad or maximize");
            }

            var (beta1, beta2, eps, lr) = (options.beta1!.Value, options.beta2!.Value, options.eps!.Value, options.LearningRate!.Value);
            foreach (var parameter in group.Parameters)
            {
                var state = (Adam.State)states[index];
                using var grad = parameter.grad;
                using var copies = replicas?.At(index);
                index++;
                if (grad is null) continue;
                state.step++;
                var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
                var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
                var coefficients = new Coefficients((float)beta1, (float)(1 - beta1), (float)beta2, (float)(1 - beta2),
                    (float)Math.Sqrt(biasCorrection2), (float)eps, (float)(-lr / biasCorrection1));
                if (!grad.is_contiguous())
                {
                    using var contiguous = grad.contiguous();
                    Update(parameter, contiguous, state.exp_avg, state.exp_avg_sq, coefficients, copies);
                    grad.zero_();
                }
                else
                {
                    Update(parameter, grad, state.exp_avg, state.exp_avg_sq, coefficients, copies);
                }
            }
        }
    }

    private readonly record struct Coefficients(float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2, float SqrtBiasCorrection2, float Eps, float NegativeStepSize);

    private static void Update(Tensor parameter, Tensor grad, Tensor expAvg, Tensor expAvgSq, Coefficients c, ReplicaParameters.Copies? copies)
    {
        foreach (var t in ((Tensor[])[parameter, grad, expAvg, expAvgSq]).Concat(copies?.Tensors ?? []))
        {
            if (t.dtype != ScalarType.Float32 || t.device_type != TorchSharp.DeviceType.CPU || !t.is_contiguous())
            {
                throw new NotSupportedException("the fused Adam step takes contiguous float32 CPU tensors");
            }
        }

        var length = parameter.numel();
        var chunks = (int)((length + Chunk - 1) / Chunk);
        if (chunks == 1)
        {
            UpdateChunk(0, (int)length);
            return;
        }

        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) }, i =>
        {
            var start = i * Chunk;
            UpdateChunk(start, (int)Math.Min(Chunk, length - start));
        });

        // A chunk at a time, so that the replicas' gradients are summed and the new weights copied while the chunk is in cache.
        void UpdateChunk(int start, int count)
        {
            var g = Floats(grad).Slice(start, count);
            if (copies is not null) copies.SumGradients(g, start);
            var p = Floats(parameter).Slice(start, count);
            Update(p, g, Floats(expAvg).Slice(start, count), Floats(expAvgSq).Slice(start, count), c);
            copies?.Broadcast(p, start);
        }
    }

    internal static Span<float> Floats(Tensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.bytes);

    private static void Update(Span<float> p, Span<float> g, Span<float> m, Span<float> v, Coefficients c)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var (beta1, oneMinusBeta1, beta2, oneMinusBeta2) = (new Vector<float>(c.Beta1), new Vector<float>(c.OneMinusBeta1), new Vector<float>(c.Beta2), new Vector<float>(c.OneMinusBeta2));
            var (sqrtBc2, eps, step) = (new Vector<float>(c.SqrtBiasCorrection2), new Vector<float>(c.Eps), new Vector<float>(c.NegativeStepSize));
            var vp = MemoryMarshal.Cast<float, Vector<float>>(p);
            var vg = MemoryMarshal.Cast<float, Vector<float>>(g);
            var vm = MemoryMarshal.Cast<float, Vector<float>>(m);
            var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
            for (var k = 0; k < vp.Length; k++)
            {
                var gk = vg[k];
                vg[k] = Vector<float>.Zero;
                var mk = vm[k] * beta1 + gk * oneMinusBeta1;
                var vk = vv[k] * beta2 + oneMinusBeta2 * gk * gk;
                vm[k] = mk;
                vv[k] = vk;
                vp[k] += step * (mk / (Vector.SquareRoot(vk) / sqrtBc2 + eps));
            }

            i = vp.Length * Vector<float>.Count;
        }

        for (; i < p.Length; i++)
        {
            var gi = g[i];
            g[i] = 0;
            var mi = m[i] * c.Beta1 + gi * c.OneMinusBeta1;
            var vi = v[i] * c.Beta2 + c.OneMinusBeta2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] += c.NegativeStepSize * (mi / (MathF.Sqrt(vi) / c.SqrtBiasCorrection2 + c.Eps));
        }
    }
}
