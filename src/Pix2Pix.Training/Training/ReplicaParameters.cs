using System.Numerics;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Training;

/// <summary>
/// The other replicas' copies of one optimiser's parameters, in the optimiser's order, for <see cref="FusedAdam"/>: their
/// gradients are added to the primary's, each weighted by its replica's share of the batch, and the primary's new weights
/// are written back to every copy, in the same pass over memory as the update.
/// </summary>
public sealed class ReplicaParameters(IReadOnlyList<Tensor[]> copies)
{
    private float[] shares = [1f];

    /// <summary>This step's shares of the batch: [0] the primary's, [k] replica k's; replicas past them sat this step out.</summary>
    public void Use(IReadOnlyList<double> share) => shares = share.Select(s => (float)s).ToArray();

    /// <summary>The copies of the <paramref name="index"/>th parameter, with the gradients of the replicas that ran.</summary>
    public Copies At(int index) => new(copies.Select(c => c[index]).ToArray(), copies.Take(shares.Length - 1).Select(c => c[index].grad).ToArray(), shares);

    public sealed class Copies(Tensor[] parameters, Tensor?[] gradients, float[] shares) : IDisposable
    {
        public IEnumerable<Tensor> Tensors => parameters.Concat(gradients.OfType<Tensor>());

        /// <summary>g ← share₀·g + Σₖ shareₖ·gₖ over a chunk of the primary's gradient, in replica order; each gₖ is zeroed.</summary>
        public void SumGradients(Span<float> g, int start)
        {
            Scale(g, shares[0]);
            for (var k = 0; k < gradients.Length; k++)
            {
                if (gradients[k] is not { } gradient) continue;
                var other = FusedAdam.Floats(gradient).Slice(start, g.Length);
                AddScaled(g, other, shares[k + 1]);
                other.Clear();
            }
        }

        /// <summary>Writes a chunk of the primary's new weights to every copy.</summary>
        public void Broadcast(ReadOnlySpan<float> p, int start)
        {
            foreach (var parameter in parameters) p.CopyTo(FusedAdam.Floats(parameter).Slice(start, p.Length));
        }

        public void Dispose()
        {
            foreach (var gradient in gradients) gradient?.Dispose();
        }

        private static void Scale(Span<float> x, float a)
        {
            if (a == 1f) return;
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            for (var k = 0; k < vx.Length; k++) vx[k] *= a;
            for (var i = vx.Length * Vector<float>.Count; i < x.Length; i++) x[i] *= a;
        }

        private static void AddScaled(Span<float> x, ReadOnlySpan<float> y, float a)
        {
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
            for (var k = 0; k < vx.Length; k++) vx[k] += vy[k] * a;
            for (var i = vx.Length * Vector<float>.Count; i < x.Length; i++) x[i] += y[i] * a;
        }
    }
}
