using Pix2Pix.Training.Training;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Tests;

public class ImagePoolTests
{
    // Fake number i is an image filled with i, so what the pool shows says which fake it was.
    private static Tensor Fakes(params int[] numbers) => stack(numbers.Select(i => full(2, 4, 4, (float)i)).ToArray());

    private static int[] Shown(Tensor images) => Enumerable.Range(0, (int)images.shape[0]).Select(i => (int)images[i].mean().item<float>()).ToArray();

    [Fact]
    public void A_pool_of_size_0_shows_D_the_newest_fakes_as_they_are()
    {
        using var pool = new ImagePool(0);
        using var fakes = Fakes(1, 2);

        Assert.Same(fakes, pool.Query(fakes));
        Assert.Empty(pool.Images);
    }

    [Fact]
    public void Until_it_is_full_the_pool_keeps_and_shows_each_new_fake_then_swaps_about_half_for_an_earlier_one()
    {
        manual_seed(7);
        using var pool = new ImagePool(4);
        var filling = Shown(pool.Query(Fakes(1, 2, 3)));
        var earlier = 0;
        for (var i = 4; i < 404; i += 2)
        {
            var shown = Shown(pool.Query(Fakes(i, i + 1)));
            for (var k = 0; k < 2; k++)
            {
                if (shown[k] == i + k) continue;
                Assert.InRange(shown[k], 1, i + k - 1); // an earlier fake (perhaps the one just before it in the batch)
                earlier++;
            }
        }

        Assert.Equal([1, 2, 3], filling);
        Assert.Equal(4, pool.Images.Count);
        Assert.InRange(earlier, 160, 240); // 399 fakes after the pool filled, each swapped with probability ½
    }

    [Fact]
    public void A_restored_pool_holds_copies_of_the_saved_fakes_up_to_its_capacity_whatever_their_sizes()
    {
        using var pool = new ImagePool(2);
        Tensor[] saved = [full(1, 2, 4, 4, 5f), full(1, 2, 8, 6, 6f), full(1, 2, 4, 4, 7f)];

        pool.Restore(saved);
        foreach (var image in saved) image.Dispose();

        Assert.Equal([5, 6], pool.Images.Select(i => (int)i.mean().item<float>()));
        Assert.Equal([8L, 6L], pool.Images[1].shape[2..]);
    }
}
