using Pix2Pix.Contracts;
using Pix2Pix.Training.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Training.Data;

/// <summary>
/// The reference's aligned dataset: every file in DATAROOT/PHASE holds A on its left half and B on its right.
/// Both halves get the same crop and flip; --direction BtoA swaps them.
/// </summary>
public sealed class AlignedPairDataset
{
    private readonly DataOptions options;
    private readonly NetworkOptions network;
    private readonly Preprocessing preprocessing;

    public AlignedPairDataset(DataOptions options, NetworkOptions network)
    {
        this.options = options;
        this.network = network;
        var folder = Path.Combine(options.Dataroot, options.Phase);
        if (!Directory.Exists(options.Dataroot)) throw new UserInputException($"--dataroot not found: {options.Dataroot}");
        if (!Directory.Exists(folder)) throw new UserInputException($"no '{options.Phase}' folder in {options.Dataroot} (expected {folder} with A|B images)");
        Paths = ImageFiles.In(folder).Take(options.MaxDatasetSize).ToArray();
        if (Paths.Count == 0) throw new UserInputException($"no images ({ImageFiles.Kinds}) in {folder}");
        preprocessing = new Preprocessing(options, network.SizeMultiple);
    }

    public IReadOnlyList<string> Paths { get; }

    public int Count => Paths.Count;

    public AlignedPair Get(int index, Random random)
    {
        var path = Paths[index];
        using var pair = AlignedImage.Load(path, options.Direction == Direction.BtoA);
        var (a, b) = (pair.A, pair.B);

        var parameters = preprocessing.Draw(a.Size(), random);
        preprocessing.Apply(a, parameters, path);
        preprocessing.Apply(b, parameters, path);
        return new AlignedPair(path, PixelConventions.ToPlanar(a, network.InputNc), PixelConventions.ToPlanar(b, network.OutputNc), a.Height, a.Width);
    }

    /// <summary>Draws what <see cref="Get"/> would draw for this pair, reading only the image's size: a resumed epoch's skipped pairs.</summary>
    public void Skip(int index, Random random) => preprocessing.Draw(AlignedImage.HalfSize(Paths[index]), random);
}
