using Pix2Pix.Training.Options;
using Pix2Pix.Training.Training;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Data;

/// <summary>One mini-batch as N×C×H×W tensors; disposing it frees them.</summary>
public sealed class PairBatch(Tensor realA, Tensor realB, IReadOnlyList<string> paths) : IDisposable
{
    public Tensor RealA { get; } = realA;
    public Tensor RealB { get; } = realB;
    public IReadOnlyList<string> Paths { get; } = paths;
    public int Size => Paths.Count;

    public void Dispose()
    {
        RealA.Dispose();
        RealB.Dispose();
    }
}

/// <summary>
/// Orders and groups the dataset per epoch. Order, crops and flips come from a generator seeded by
/// (seed, epoch), so a run resumed at an epoch boundary, or inside an epoch after skipping the batches it had done,
/// sees exactly the data an uninterrupted run would.
/// </summary>
public sealed class PairBatches(AlignedPairDataset dataset, int batchSize, int seed, bool serial, NetworkOptions network, DeviceContext? device = null)
{
    public int BatchesPerEpoch => (dataset.Count + batchSize - 1) / batchSize;

    /// <summary>The epoch's batches after the first <paramref name="skip"/>, whose crops and flips are drawn but whose images are not read.</summary>
    public IEnumerable<PairBatch> Epoch(int epoch, int skip = 0)
    {
        var random = new Random(unchecked(seed * 1_000_003 + epoch) & int.MaxValue);
        var order = Enumerable.Range(0, dataset.Count).ToArray();
        if (!serial) random.Shuffle(order);
        foreach (var chunk in order.Chunk(batchSize))
        {
            if (skip > 0)
            {
                foreach (var i in chunk) dataset.Skip(i, random);
                skip--;
                continue;
            }

            var pairs = chunk.Select(i => dataset.Get(i, random)).ToArray();
            yield return Collate(pairs, network, device ?? DeviceContext.Cpu);
        }
    }

    public static PairBatch Collate(IReadOnlyList<AlignedPair> pairs, NetworkOptions network, DeviceContext device)
    {
        var (h, w) = (pairs[0].Height, pairs[0].Width);
        if (pairs.Any(p => p.Height != h || p.Width != w))
        {
            throw new UserInputException($"images of one batch differ in size ({string.Join(", ", pairs.Select(p => $"{p.Width}x{p.Height}").Distinct())}); use --batch_size 1 or a cropping --preprocess");
        }

        var a = tensor(pairs.SelectMany(p => p.A).ToArray(), [pairs.Count, network.InputNc, h, w], device: device.Device);
        var b = tensor(pairs.SelectMany(p => p.B).ToArray(), [pairs.Count, network.OutputNc, h, w], device: device.Device);
        return new PairBatch(a, b, pairs.Select(p => p.Path).ToArray());
    }
}
