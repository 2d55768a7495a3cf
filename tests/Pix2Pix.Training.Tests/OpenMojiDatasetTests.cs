using Pix2Pix.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Tests;

public class OpenMojiDatasetTests
{
    private const string Circle = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 72 72"><circle cx="36" cy="36" r="20" fill="{0}" stroke="#000000" stroke-width="3"/></svg>""";
    private const string Nothing = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 72 72"></svg>""";

    [Fact]
    public void Prepare_openmoji_renders_pairs_in_the_reference_layout_and_skips_unusable_ones()
    {
        using var temp = new TempFolder();
        var package = FakePackage(temp, new()
        {
            ["1F600"] = (Fill("none"), Fill("#FCEA2B")),
            ["1F601"] = (Fill("none"), Fill("#D22F27")),
            ["2B55"] = (Fill("none"), Fill("none")),   // identical drawing and colour
            ["EMPTY"] = (Nothing, Fill("#FCEA2B")),     // nothing drawn
        }, extraBlack: "ONLYBLACK");

        var result = Cli.Run("prepare", "openmoji", "--package", package, "--size", "64", "--out", temp["dataset"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("wrote 2 pairs", result.Output);
        Assert.Contains("skipped 1 empty, 1 identical", result.Output);
        var pairs = Directory.GetFiles(temp["dataset"], "*.png", SearchOption.AllDirectories);
        Assert.Equal(2, pairs.Length);
        var smiley = Assert.Single(pairs, p => Path.GetFileName(p) == "1F600.png");
        Assert.Equal(DatasetSplit.Of("1F600"), Path.GetFileName(Path.GetDirectoryName(smiley)));
        using var pair = Image.Load<Rgb24>(smiley);
        Assert.Equal((128, 64), (pair.Width, pair.Height));
        Assert.Equal(new Rgb24(255, 255, 255), pair[2, 2]);           // white background, A
        Assert.Equal(new Rgb24(255, 255, 255), pair[32, 32]);         // the drawing is not filled
        Assert.Equal(new Rgb24(0xFC, 0xEA, 0x2B), pair[64 + 32, 32]); // the colour version is
        var card = File.ReadAllText(temp["dataset/DATASET.md"]);
        Assert.Contains("version 17.0.0", card);
        Assert.Contains("CC BY-SA 4.0", card);
        Assert.Contains("1 without a partner", card);
    }

    [Fact]
    public void Prepare_openmoji_reads_the_npm_tarball_as_well_as_the_folder()
    {
        using var temp = new TempFolder();
        var folder = FakePackage(temp, new() { ["1F600"] = (Fill("none"), Fill("#FCEA2B")) });
        var tgz = temp["openmoji-17.0.0.tgz"];
        using (var file = File.Create(tgz))
        using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
        {
            System.Formats.Tar.TarFile.CreateFromDirectory(temp["pkg"], gzip, includeBaseDirectory: false);
        }

        var result = Cli.Run("prepare", "openmoji", "--package", tgz, "--size", "32", "--out", temp["from-tgz"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Single(Directory.GetFiles(temp["from-tgz"], "1F600.png", SearchOption.AllDirectories));
        Assert.NotNull(folder);
    }

    [Fact]
    public void The_split_is_90_5_5_by_name_and_never_changes()
    {
        var names = Enumerable.Range(0, 4000).Select(i => $"{0x1F000 + i:X}").ToArray();
        var splits = names.Select(DatasetSplit.Of).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());

        Assert.InRange(splits["train"], 3500, 3700);
        Assert.InRange(splits["val"], 150, 250);
        Assert.InRange(splits["test"], 150, 250);
        Assert.Equal("train", DatasetSplit.Of("1F600"));
        Assert.Equal(names.Select(DatasetSplit.Of), names.Select(DatasetSplit.Of));
    }

    [Fact]
    public void A_folder_that_is_not_the_openmoji_package_is_named()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp["nothing"]);

        var result = Cli.Run("prepare", "openmoji", "--package", temp["nothing"], "--out", temp["out"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("holds no black/svg and color/svg", result.Error);
    }

    private static string Fill(string colour) => Circle.Replace("{0}", colour);

    private static string FakePackage(TempFolder temp, Dictionary<string, (string Black, string Colour)> emoji, string? extraBlack = null)
    {
        var root = temp["pkg/package"];
        Directory.CreateDirectory(Path.Combine(root, "black", "svg"));
        Directory.CreateDirectory(Path.Combine(root, "color", "svg"));
        File.WriteAllText(Path.Combine(root, "package.json"), """{ "name": "openmoji", "version": "17.0.0" }""");
        foreach (var (name, (black, colour)) in emoji)
        {
            File.WriteAllText(Path.Combine(root, "black", "svg", name + ".svg"), black);
            File.WriteAllText(Path.Combine(root, "color", "svg", name + ".svg"), colour);
        }

        if (extraBlack is not null) File.WriteAllText(Path.Combine(root, "black", "svg", extraBlack + ".svg"), Fill("none"));
        return temp["pkg"];
    }
}
