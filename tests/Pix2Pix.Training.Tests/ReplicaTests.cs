using Pix2Pix.Training.Data;
using Pix2Pix.Training.Options;
using Pix2Pix.Training.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Tests;

/// <summary>--replicas: a batch split over copies of the networks on threads of their own, their gradients averaged.</summary>
public class ReplicaTests
{
    // Instance norm normalises each image by itself, so one copy on a batch of 2 and 2 copies on 1 image each compute the same step.
    private static readonly NetworkOptions PerImage = new() { NetG = "unet_128", Ngf = 8, Ndf = 8, Norm = NormKind.Instance, NoDropout = true };
    private static readonly NetworkOptions Shipped = new() { NetG = "unet_128", Ngf = 8, Ndf = 8, NoDropout = true };

    [Theory]
    [InlineData(GanMode.Vanilla, true)]
    [InlineData(GanMode.None, true)]
    [InlineData(GanMode.Vanilla, false)]   // the first-written step: averaged, stepped and copied in passes of their own
    public void Two_replicas_average_their_gradients_into_the_step_one_network_takes_on_the_whole_batch(GanMode ganMode, bool fastStep)
    {
        var options = new TrainOptions { Name = "r", GanMode = ganMode, FastStep = fastStep, Precision = TrainingPrecision.Float32, BatchSize = 2, Lr = 0.002 };
        using var one = Model(PerImage, options);
        using var two = Model(PerImage, options with { Replicas = 2 });

        // The first batch holds one image, as an epoch's last batch may: the second copy sits that step out, and must
        // still take its update, or its next step starts from other weights than the first copy's.
        foreach (var (seed, size) in new[] { (1, 1), (2, 2), (3, 2) })
        {
            StepLosses expected;
            using (LibTorchThreads(ReplicaThreads.LibTorchThreadsEach(2))) expected = Step(one, seed, size);
            var actual = Step(two, seed, size);
            foreach (var (e, a) in expected.Values.Zip(actual.Values)) Assert.True(Math.Abs(e - a) <= 1e-4 * Math.Abs(e) + 1e-6, $"loss {a} where one network had {e}");
        }

        // Adam's first moment is a running mean of the gradients (β₁ = 0.5): a replica left out, or gradients summed
        // rather than averaged, would move it by half or more; the two computations differ only in rounding. Biases
        // before an instance norm have no effect on the output and a gradient of pure rounding noise (about 1e-7 against
        // 1 and more elsewhere), so each difference is taken relative to the larger of its own size and 1 % of the largest.
        // (With 1e-3 of the largest, such a bias failed on an AMD EPYC of family 26: a difference of 2.3e-7 on a size of
        // 2.6e-7, against a largest moment of 0.23. A replica left out moves a moment by about half of it, which stays
        // above the bar for every moment above 2e-5 of the largest.)
        foreach (var (optimizerOne, optimizerTwo) in new[] { (one.OptimizerG, two.OptimizerG), (one.OptimizerD, two.OptimizerD) }.Take(ganMode == GanMode.None ? 1 : 2))
        {
            var moments = FirstMoments(optimizerOne).Zip(FirstMoments(optimizerTwo), (e, a) => (Size: e.norm().item<float>(), Difference: e.sub(a).norm().item<float>())).ToArray();
            var floor = 1e-2 * moments.Max(m => m.Size);
            Assert.True(moments.Length >= 10);
            Assert.All(moments, m => Assert.True(m.Difference / Math.Max(m.Size, floor) < 1e-3, $"first moments differ by {m.Difference:G3} on a size of {m.Size:G3}"));
        }
    }

    [Fact]
    public void Replicas_give_the_same_weights_bit_for_bit_run_after_run()
    {
        var options = new TrainOptions { Name = "r", BatchSize = 3, Replicas = 2 };   // uneven: 2 images and 1
        using var first = Model(Shipped, options);
        using var second = Model(Shipped, options);

        foreach (var seed in new[] { 1, 2, 3 })
        {
            Step(first, seed, size: 3);
            Step(second, seed, size: 3);
        }

        var pairs = Parameters(first).Zip(Parameters(second)).ToArray();
        Assert.All(pairs, pair => Assert.True(pair.First.eq(pair.Second).all().item<bool>(), "a parameter differs between two identical runs"));
    }

    [Fact]
    public void Replicas_start_from_the_same_seeded_weights_as_one_network()
    {
        using var one = Model(Shipped, new TrainOptions { Name = "r" });
        using var two = Model(Shipped, new TrainOptions { Name = "r", BatchSize = 2, Replicas = 2 });

        Assert.All(Parameters(one).Zip(Parameters(two)), pair => Assert.True(pair.First.eq(pair.Second).all().item<bool>()));
    }

    [Fact]
    public void Each_replica_thread_keeps_one_libtorch_thread_after_its_first_convolution()
    {
        // The trainer's setting: a caller with two threads splits its work over two replicas of one thread each. A
        // replica thread that took the caller's count at its first parallel work would run two threads on each core.
        using var restore = LibTorchThreads(2);
        using var threads = new ReplicaThreads(2, libTorchThreadsEach: 1);
        var counts = new int[2, 2];
        for (var round = 0; round < 2; round++)
        {
            threads.Run(2, k =>
            {
                using var scope = NewDisposeScope();
                nn.functional.conv2d(rand(1, 16, 64, 64), rand(32, 16, 4, 4), strides: [2, 2]).sum().item<float>();
                counts[round, k] = get_num_threads();
            });
        }

        Assert.Equal(2, get_num_threads());
        Assert.All(counts.Cast<int>(), count => Assert.Equal(1, count));
    }

    // The calling thread's LibTorch thread count set to count until the result is disposed, then set back. The network
    // the replicas are held against computes with each replica's count: LibTorch picks its kernels by thread count, and
    // on some CPUs (an Intel Xeon with AMX) a float32 gradient on one thread differs from the same gradient on two by up to 1.4 %.
    private static RestoredThreads LibTorchThreads(int count)
    {
        var own = get_num_threads();
        set_num_threads(count);
        return new RestoredThreads(own);
    }

    private readonly record struct RestoredThreads(int Count) : IDisposable
    {
        public void Dispose() => set_num_threads(Count);
    }

    private static Pix2PixModel Model(NetworkOptions network, TrainOptions options)
    {
        manual_seed(7);
        return new Pix2PixModel(network, options);
    }

    private static StepLosses Step(Pix2PixModel model, int seed, int size = 2)
    {
        manual_seed(seed);
        using var batch = new PairBatch(rand(size, 3, 128, 128).mul(2).sub(1), rand(size, 3, 128, 128).mul(2).sub(1), Enumerable.Range(0, size).Select(i => $"{seed}/{i}").ToArray());
        return model.OptimizeParameters(batch);
    }

    private static IEnumerable<Tensor> FirstMoments(Adam optimizer) => optimizer.state_dict().State.Cast<Adam.State>().Select(s => s.exp_avg);

    private static IEnumerable<Tensor> Parameters(Pix2PixModel model) => model.Generator.parameters().Concat(model.Discriminator.parameters());
}
