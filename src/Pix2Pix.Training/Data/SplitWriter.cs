using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Training.Data;

/// <summary>
/// Writes A|B pairs in the reference layout (OUT/{train,val,test}/NAME.png, A left, B right), each into the split
/// its name hashes to (<see cref="DatasetSplit"/>), and counts them per split.
/// </summary>
public sealed class SplitWriter
{
    private readonly string output;
    private readonly Dictionary<string, int> perSplit = new() { ["train"] = 0, ["val"] = 0, ["test"] = 0 };

    public SplitWriter(string output)
    {
        this.output = output;
        foreach (var split in perSplit.Keys) Directory.CreateDirectory(Path.Combine(output, split));
    }

    public IReadOnlyDictionary<string, int> PerSplit => perSplit;

    public int Written => perSplit.Values.Sum();

    public void Write(string name, Image<Rgb24> a, Image<Rgb24> b) => Write(name, a, b, DatasetSplit.Of(name));

    /// <summary>Writes into a given split: for variants of one item, which must all land where the item's name hashes to.</summary>
    public void Write(string name, Image<Rgb24> a, Image<Rgb24> b, string split)
    {
        using var pair = new Image<Rgb24>(a.Width + b.Width, Math.Max(a.Height, b.Height));
        pair.Mutate(c => c.DrawImage(a, new Point(0, 0), 1f).DrawImage(b, new Point(a.Width, 0), 1f));
        pair.SaveAsPng(Path.Combine(output, split, name + ".png"));
        perSplit[split]++;
    }

    /// <summary>The counts as a markdown table for DATASET.md.</summary>
    public static void AppendTable(StringBuilder text, IReadOnlyDictionary<string, int> perSplit)
    {
        text.AppendLine("| split | pairs |");
        text.AppendLine("| --- | --- |");
        foreach (var (split, count) in perSplit) text.AppendLine($"| {split} | {count} |");
        text.AppendLine($"| all | {perSplit.Values.Sum()} |");
    }
}
