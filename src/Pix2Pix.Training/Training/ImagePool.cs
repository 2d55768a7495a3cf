using static TorchSharp.torch;

namespace Pix2Pix.Training.Training;

/// <summary>
/// The reference's ImagePool (Shrivastava et al.): D is shown fakes from a history of generated images, not only the
/// newest. Until the pool holds <see cref="Capacity"/> images each new one goes in and is shown; after that each new
/// image is, with probability ½, swapped for a random one already in the pool, which is shown instead. Capacity 0 (the
/// reference's --pool_size 0, pix2pix's default) shows the newest images as they are. Draws come from LibTorch's RNG,
/// which checkpoints save, and the pool's images are saved with them, so a resumed run draws and shows the same.
/// </summary>
public sealed class ImagePool(int capacity) : IDisposable
{
    private readonly List<Tensor> images = [];

    public int Capacity => capacity;

    /// <summary>The images D is to see for <paramref name="fakes"/> (N × C × H × W, detached), in the same order; the
    /// caller's scope owns the result, the pool keeps copies of what it stores.</summary>
    public Tensor Query(Tensor fakes)
    {
        if (capacity == 0) return fakes;
        var shown = new Tensor[fakes.shape[0]];
        for (var i = 0; i < shown.Length; i++)
        {
            var image = fakes[i].unsqueeze(0);
            if (images.Count < capacity)
            {
                images.Add(Keep(image));
                shown[i] = image;
            }
            else if (rand(1).item<float>() > 0.5f)
            {
                var slot = (int)randint(capacity, [1]).item<long>();
                shown[i] = images[slot].clone();
                images[slot].Dispose();
                images[slot] = Keep(image);
            }
            else
            {
                shown[i] = image;
            }
        }

        return cat(shown, 0);
    }

    /// <summary>The pool's images, each 1 × C × H × W (sizes may differ where crops do not fix them), in pool order.</summary>
    public IReadOnlyList<Tensor> Images => images;

    /// <summary>Replaces the pool's images with copies of <paramref name="saved"/> (its <see cref="Images"/>), up to the capacity.</summary>
    public void Restore(IEnumerable<Tensor> saved)
    {
        Clear();
        foreach (var image in saved.Take(capacity)) images.Add(Keep(image));
    }

    private static Tensor Keep(Tensor image) => image.detach().clone().DetachFromDisposeScope();

    private void Clear()
    {
        foreach (var image in images) image.Dispose();
        images.Clear();
    }

    public void Dispose() => Clear();
}
