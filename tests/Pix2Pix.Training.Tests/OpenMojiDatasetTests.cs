using System.Text.Json;
using Pix2Pix.Contracts;
using Pix2Pix.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Tests;

public class OpenMojiDatasetTests
{
    private const string Nothing = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 72 72"></svg>""";

    [Fact]
    public void Prepare_openmoji_renders_pairs_in_the_reference_layout_and_skips_unusable_ones()
    {
        using var temp = new TempFolder();
        var package = FakePackage(temp, [
            new("1F600", Circle(20, "none"), Circle(20, "#FCEA2B")),
            new("1F601", Circle(12, "none"), Circle(12, "#D22F27")),
            new("2B55", Circle(16, "none"), Circle(16, "none")),   // identical drawing and colour
            new("EMPTY", Nothing, Circle(20, "#FCEA2B")),           // nothing drawn
        ], extraBlack: "ONLYBLACK");

        var result = Cli.Run("prepare", "openmoji", "--package", package, "--size", "64", "--variants", "1", "--no_balance", "--out", temp["dataset"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("wrote 2 pairs", result.Output);
        Assert.Contains("skipped 1 empty, 1 identical", result.Output);
        var pairs = Directory.GetFiles(temp["dataset"], "*.png", SearchOption.AllDirectories);
        Assert.Equal(2, pairs.Length);
        var smiley = Assert.Single(pairs, p => Path.GetFileName(p) == "1F600.png");
        Assert.Equal("train", Path.GetFileName(Path.GetDirectoryName(smiley)));   // 1F600's split by its name's hash
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
    public void A_drawing_shared_by_several_emoji_keeps_one_target_the_first_in_unicode_order_without_a_skin_tone()
    {
        using var temp = new TempFolder();
        var hand = Circle(20, "none");
        var flag = Square("none");
        var package = FakePackage(temp, [
            new("1F44B-1F3FB", hand, Circle(20, "#C19A65"), Order: 1, SkinTone: true),   // first in order, but a skin tone
            new("1F44B", hand, Circle(20, "#FCEA2B"), Order: 3),
            new("1F9E1", hand, Circle(20, "#F4AA41"), Order: 7),
            .. Enumerable.Range(0, OpenMojiOptions.MaxSharedDrawing + 1).Select(i => new Emoji($"1F1E6-{i:X4}", flag, Square($"#{i * 9:X2}3060"), Order: 100 + i)),
        ]);

        var result = Cli.Run("prepare", "openmoji", "--package", package, "--size", "48", "--variants", "1", "--no_balance", "--out", temp["dataset"]);

        Assert.Equal(0, result.ExitCode);
        var written = Directory.GetFiles(temp["dataset"], "*.png", SearchOption.AllDirectories).Select(p => Path.GetFileNameWithoutExtension(p)).ToArray();
        Assert.Equal(["1F44B"], written);
        Assert.Contains($"left out 1 skin-tone variants, 1 other colours of a shared drawing, {OpenMojiOptions.MaxSharedDrawing + 1} emoji of 1 drawings shared by more than {OpenMojiOptions.MaxSharedDrawing}", result.Output);
        var card = File.ReadAllText(temp["dataset/DATASET.md"]);
        Assert.Contains("hold 2 distinct line drawings", card);
        Assert.Contains("- 1 skin-tone variants", card);
    }

    [Fact]
    public void Groups_keep_only_the_drawings_whose_target_is_in_one_of_them_by_group_or_subgroup_and_the_card_counts_the_rest()
    {
        using var temp = new TempFolder();
        var heart = Circle(20, "none");
        var package = FakePackage(temp, [
            new("1F34E", Circle(12, "none"), Circle(12, "#D22F27"), Order: 1, Group: "food-drink", Subgroup: "food-fruit"),
            new("2764", heart, Circle(20, "#D22F27"), Order: 2, Group: "smileys-emotion", Subgroup: "heart"),
            new("1F49B", heart, Circle(20, "#FCEA2B"), Order: 3, Group: "smileys-emotion", Subgroup: "heart"),   // the heart's other colour
            new("1F600", Circle(16, "none"), Circle(16, "#FCEA2B"), Order: 4, Group: "smileys-emotion", Subgroup: "face-smiling"),
            new("1F697", Square("none"), Square("#D22F27"), Order: 5, Group: "travel-places", Subgroup: "transport-ground"),
            new("1F44B", Circle(8, "none"), Circle(8, "#FCEA2B"), Order: 6, Group: "people-body", Subgroup: "hand-fingers-open"),
            new("1F44B-1F3FB", Circle(8, "none"), Circle(8, "#FADCBC"), Order: 7, SkinTone: true, Group: "people-body", Subgroup: "hand-fingers-open"),
        ]);

        var result = Cli.Run("prepare", "openmoji", "--package", package, "--size", "48", "--variants", "1", "--no_balance", "--groups", "food-drink, heart", "--out", temp["dataset"]);

        Assert.True(result.ExitCode == 0, result.Error);
        var written = Directory.GetFiles(temp["dataset"], "*.png", SearchOption.AllDirectories).Select(p => Path.GetFileNameWithoutExtension(p)).Order().ToArray();
        Assert.Equal(["1F34E", "2764"], written);
        // Every emoji is accounted for once: 2 kept, the yellow heart and the hand's skin tone by the one-target rule, 3 drawings by the groups.
        Assert.Contains("left out 1 skin-tone variants, 1 other colours of a shared drawing, 0 emoji of 0 drawings shared by more than 16, 3 drawings outside --groups", result.Output);
        var card = File.ReadAllText(temp["dataset/DATASET.md"]);
        Assert.Contains("--groups food-drink,heart", card);
        Assert.Contains("- 3 drawings whose target is in none of OpenMoji's groups or subgroups food-drink, heart", card);
    }

    [Fact]
    public void A_group_the_package_does_not_have_is_refused_with_the_groups_it_has_before_anything_is_written()
    {
        using var temp = new TempFolder();
        var package = FakePackage(temp, [
            new("1F34E", Circle(12, "none"), Circle(12, "#D22F27"), Group: "food-drink", Subgroup: "food-fruit"),
            new("1F600", Circle(16, "none"), Circle(16, "#FCEA2B"), Group: "smileys-emotion", Subgroup: "face-smiling"),
        ]);

        var result = Cli.Run("prepare", "openmoji", "--package", package, "--groups", "food-drinks", "--out", temp["dataset"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("no group or subgroup 'food-drinks' (its groups: food-drink, smileys-emotion;", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.False(Directory.Exists(temp["dataset"]) && Directory.EnumerateFiles(temp["dataset"], "*", SearchOption.AllDirectories).Any());

        File.Delete(Path.Combine(package, "package", "data", "openmoji.json"));   // a package without its catalogue has no groups at all
        var uncatalogued = Cli.Run("prepare", "openmoji", "--package", package, "--groups", "food-drink", "--out", temp["dataset"]);

        Assert.NotEqual(0, uncatalogued.ExitCode);
        Assert.Contains("--groups: the package has no data/openmoji.json", uncatalogued.Error);
    }

    [Fact]
    public void Favoured_groups_training_drawings_get_that_many_times_the_pairs_and_every_other_drawing_stays()
    {
        using var temp = new TempFolder();
        var names = Enumerable.Range(0x1F300, 200).Select(i => $"{i:X}").Where(n => DatasetSplit.Of(n) == "train").Take(3).ToArray();
        var package = FakePackage(temp, [
            new(names[0], Circle(12, "none"), Circle(12, "#D22F27"), Order: 1, Group: "food-drink", Subgroup: "food-fruit"),
            new(names[1], Circle(20, "none"), Circle(20, "#D22F27"), Order: 2, Group: "smileys-emotion", Subgroup: "heart"),
            new(names[2], Circle(16, "none"), Circle(16, "#FCEA2B"), Order: 3, Group: "smileys-emotion", Subgroup: "face-smiling"),
        ]);

        var result = Cli.Run("prepare", "openmoji", "--package", package, "--size", "48", "--variants", "2", "--no_balance", "--favour", "food-drink,heart", "--favour_weight", "3", "--out", temp["dataset"]);

        Assert.True(result.ExitCode == 0, result.Error);
        var train = Directory.GetFiles(temp["dataset/train"], "*.png").Select(Path.GetFileNameWithoutExtension).ToArray();
        Assert.Equal(6, train.Count(n => n!.StartsWith(names[0], StringComparison.Ordinal)));   // 2 × 3, by group
        Assert.Equal(6, train.Count(n => n!.StartsWith(names[1], StringComparison.Ordinal)));   // 2 × 3, by subgroup
        Assert.Equal(2, train.Count(n => n!.StartsWith(names[2], StringComparison.Ordinal)));   // not favoured, still there
        var favouredPictures = Directory.GetFiles(temp["dataset/train"], $"{names[0]}*.png").Select(f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));
        Assert.Equal(6, favouredPictures.Distinct().Count());   // new augmented variants, not copies of the same pairs
        Assert.Contains("favoured: 2 training drawings with 12 pairs (3× as many each)", result.Output);
        var card = File.ReadAllText(temp["dataset/DATASET.md"]);
        Assert.Contains("--favour food-drink,heart --favour_weight 3", card);
        Assert.Contains("Favoured: the 2 training drawings in OpenMoji's groups or subgroups food-drink, heart get 3× as many", card);
        Assert.Contains("| red | 2 | 12 |", card);
    }

    [Theory]
    [InlineData("--favour food-drinks", "--favour: the package has no group or subgroup 'food-drinks' (its groups: food-drink, smileys-emotion;")]
    [InlineData("--favour food-drink --favour_weight 0", "--favour_weight must be between 1 and 16")]
    [InlineData("--favour_weight 3", "--favour_weight needs --favour")]
    [InlineData("--favour ,", "--favour is empty")]
    public void A_favour_that_cannot_be_honoured_is_refused_in_one_line_before_anything_is_written(string options, string error)
    {
        using var temp = new TempFolder();
        var package = FakePackage(temp, [
            new("1F34E", Circle(12, "none"), Circle(12, "#D22F27"), Group: "food-drink", Subgroup: "food-fruit"),
            new("1F600", Circle(16, "none"), Circle(16, "#FCEA2B"), Group: "smileys-emotion", Subgroup: "face-smiling"),
        ]);

        var result = Cli.Run(["prepare", "openmoji", "--package", package, .. options.Split(' '), "--out", temp["dataset"]]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(error, result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(temp["dataset"]));
    }

    [Fact]
    public void Training_drawings_get_aligned_variants_in_their_own_split_and_rarer_colours_get_more()
    {
        using var temp = new TempFolder();
        var trainNames = Enumerable.Range(0x1F300, 200).Select(i => $"{i:X}").Where(n => DatasetSplit.Of(n) == "train").Take(5).ToArray();
        var heldOut = Enumerable.Range(0x1F300, 200).Select(i => $"{i:X}").First(n => DatasetSplit.Of(n) != "train");
        var package = FakePackage(temp, [
            .. trainNames.Take(4).Select((n, i) => new Emoji(n, Circle(10 + 4 * i, "none"), Circle(10 + 4 * i, "#FCEA2B"))), // four yellow
            new(trainNames[4], Square("none"), Square("#1E50A0")),                                                          // one blue
            new(heldOut, Circle(30, "none"), Circle(30, "#FCEA2B")),
        ]);

        var result = Cli.Run("prepare", "openmoji", "--package", package, "--size", "64", "--variants", "3", "--out", temp["dataset"]);

        Assert.Equal(0, result.ExitCode);
        var train = Directory.GetFiles(temp["dataset/train"], "*.png").Select(Path.GetFileNameWithoutExtension).ToArray();
        Assert.Equal(3, train.Count(n => n!.StartsWith(trainNames[0], StringComparison.Ordinal)));         // the plain one and two variants
        Assert.Equal(6, train.Count(n => n!.StartsWith(trainNames[4], StringComparison.Ordinal)));         // 3 × √(4 / 1)
        Assert.Single(Directory.GetFiles(temp[$"dataset/{DatasetSplit.Of(heldOut)}"], $"{heldOut}*.png"));  // held out: plain only
        Assert.Empty(Directory.GetFiles(temp["dataset"], $"{heldOut}_v*.png", SearchOption.AllDirectories));

        using var plain = Image.Load<Rgb24>(temp[$"dataset/train/{trainNames[4]}.png"]);
        using var variant = Image.Load<Rgb24>(temp[$"dataset/train/{trainNames[4]}_v1.png"]);
        Assert.NotEqual(DarkPixels.Of(plain, 0), DarkPixels.Of(variant, 0));  // the variant is drawn differently...
        foreach (var pair in new[] { plain, variant })
        {
            var (outlineA, outlineB) = (DarkPixels.Of(pair, 0), DarkPixels.Of(pair, 64));
            Assert.True(outlineA.Count > 20);
            Assert.True(outlineA.Intersect(outlineB).Count() >= 0.9 * outlineA.Count, "...but its outline stays where its colour version's is");
        }

        var card = File.ReadAllText(temp["dataset/DATASET.md"]);
        Assert.Contains("| yellow | 4 | 12 |", card);
        Assert.Contains("| blue | 1 | 6 |", card);
    }

    [Fact]
    public void Augmented_styles_are_seeded_by_name_and_stay_within_their_ranges()
    {
        var styles = Enumerable.Range(1, 200).Select(k => OpenMojiDataset.Augmentation("1F34E", k)).ToArray();

        Assert.Equal(styles[7], OpenMojiDataset.Augmentation("1F34E", 8));
        Assert.NotEqual(styles[7], OpenMojiDataset.Augmentation("1F34F", 8));
        Assert.All(styles, s =>
        {
            Assert.InRange(s.StrokeScale, OpenMojiOptions.MinStroke, OpenMojiOptions.MaxStroke);
            Assert.InRange(s.Zoom, OpenMojiOptions.MinZoom, 1);
            Assert.InRange(Math.Abs(s.ShiftX), 0, (1 - s.Zoom) / 2);
            Assert.InRange(Math.Abs(s.ShiftY), 0, (1 - s.Zoom) / 2);
        });
        Assert.Contains(styles, s => s.StrokeScale < 0.6);
        Assert.Contains(styles, s => s.StrokeScale > 1.3);
    }

    [Fact]
    public void Stroke_widths_are_scaled_in_attributes_and_styles_alike()
    {
        var svg = """<path stroke-width="2" d="M0 0"/><line style="fill:none;stroke-width:1.5;stroke:#000"/><circle stroke-width = '.5'/>""";

        var scaled = SvgRasterizer.WithStrokeScale(svg, 0.5);

        Assert.Equal("""<path stroke-width="1" d="M0 0"/><line style="fill:none;stroke-width:0.75;stroke:#000"/><circle stroke-width = '0.25'/>""", scaled);
        Assert.Same(svg, SvgRasterizer.WithStrokeScale(svg, 1));
    }

    [Fact]
    public void Prepare_openmoji_reads_the_npm_tarball_as_well_as_the_folder()
    {
        using var temp = new TempFolder();
        FakePackage(temp, [new("1F600", Circle(20, "none"), Circle(20, "#FCEA2B"))]);
        var tgz = temp["openmoji-17.0.0.tgz"];
        using (var file = File.Create(tgz))
        using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
        {
            System.Formats.Tar.TarFile.CreateFromDirectory(temp["pkg"], gzip, includeBaseDirectory: false);
        }

        var result = Cli.Run("prepare", "openmoji", "--package", tgz, "--size", "32", "--out", temp["from-tgz"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Single(Directory.GetFiles(temp["from-tgz"], "1F600.png", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_package_whose_file_would_unpack_to_more_than_the_limit_is_refused_from_its_header()
    {
        using var temp = new TempFolder();
        var tgz = temp["bomb.tgz"];
        using (var file = File.Create(tgz))
        using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
        using (var tar = new System.Formats.Tar.TarWriter(gzip))
        {
            // Zeros compress a thousandfold: a small file that claims a file one byte over the limit.
            tar.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "package/data/openmoji.json")
            {
                DataStream = new Zeros(NpmPackage.MaxFileBytes + 1),
            });
        }

        var result = Cli.Run("prepare", "openmoji", "--package", tgz, "--size", "32", "--out", temp["out"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("data/openmoji.json unpacks to 268,435,457 bytes", result.Error);
        Assert.False(Directory.Exists(temp["out"]));
    }

    // A stream of zeros of a given length, made on the fly.
    private sealed class Zeros(long length) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get; set; }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - Position);
            Array.Clear(buffer, offset, n);
            Position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => Position + offset, _ => length + offset };
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void The_split_is_90_5_5_by_name_and_never_changes()
    {
        var names = Enumerable.Range(0, 4000).Select(i => $"{0x1F000 + i:X}").ToArray();
        var splits = names.Select(DatasetSplit.Of).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());

        Assert.InRange(splits["train"], 3500, 3700);
        Assert.InRange(splits["val"], 150, 250);
        Assert.InRange(splits["test"], 150, 250);
        // Pinned: a change to the hash or the thresholds would move every dataset's pairs between splits.
        Assert.Equal(["train", "val", "val", "test"], new[] { "1F600", "2764", "2600", "1F170" }.Select(DatasetSplit.Of));
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

    [Theory]
    [InlineData(0xFC, 0xEA, 0x2B, ColourFamily.Yellow)]
    [InlineData(0xD2, 0x2F, 0x27, ColourFamily.Red)]
    [InlineData(0xF4, 0xAA, 0x41, ColourFamily.Orange)]
    [InlineData(0x5C, 0x9E, 0x31, ColourFamily.Green)]
    [InlineData(0x61, 0xB2, 0xE4, ColourFamily.Blue)]
    [InlineData(0xB3, 0x99, 0xC8, ColourFamily.Grey)]   // OpenMoji's pale purple is too pale to name
    [InlineData(0x8E, 0x3C, 0xC8, ColourFamily.Purple)]
    [InlineData(0x9B, 0x9B, 0x9A, ColourFamily.Grey)]
    public void Colours_are_named_by_their_hue_band(byte r, byte g, byte b, ColourFamily expected)
    {
        Assert.Equal(expected, ColourNames.Of(new Rgb24(r, g, b)));
    }

    [Fact]
    public void A_fills_family_ignores_the_outline_and_the_background()
    {
        var pixels = Enumerable.Repeat(new Rgb24(255, 255, 255), 500)     // background
            .Concat(Enumerable.Repeat(new Rgb24(0, 0, 0), 300))             // outline
            .Concat(Enumerable.Repeat(new Rgb24(0xD2, 0x2F, 0x27), 100))     // red fill
            .Concat(Enumerable.Repeat(new Rgb24(0x5C, 0x9E, 0x31), 30));     // a green leaf

        var (family, share) = ColourNames.Dominant(pixels);

        Assert.Equal(ColourFamily.Red, family);
        Assert.Equal(100 / 130.0, share, 3);
        Assert.Equal(ColourFamily.Grey, ColourNames.Dominant(Enumerable.Repeat(new Rgb24(0xD0, 0xCF, 0xCE), 50)).Family);
    }

    private sealed record Emoji(string Name, string Black, string Colour, int? Order = null, bool SkinTone = false, string Group = "", string Subgroup = "");

    private static string Circle(int radius, string fill) =>
        $"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 72 72"><circle cx="36" cy="36" r="{radius}" fill="{fill}" stroke="#000000" stroke-width="3"/></svg>""";

    private static string Square(string fill) =>
        $"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 72 72"><rect x="14" y="14" width="44" height="44" fill="{fill}" stroke="#000000" stroke-width="3"/></svg>""";

    private static string FakePackage(TempFolder temp, IReadOnlyList<Emoji> emoji, string? extraBlack = null)
    {
        var root = temp["pkg/package"];
        Directory.CreateDirectory(Path.Combine(root, "black", "svg"));
        Directory.CreateDirectory(Path.Combine(root, "color", "svg"));
        Directory.CreateDirectory(Path.Combine(root, "data"));
        File.WriteAllText(Path.Combine(root, "package.json"), """{ "name": "openmoji", "version": "17.0.0" }""");
        foreach (var e in emoji)
        {
            File.WriteAllText(Path.Combine(root, "black", "svg", e.Name + ".svg"), e.Black);
            File.WriteAllText(Path.Combine(root, "color", "svg", e.Name + ".svg"), e.Colour);
        }

        var catalogue = emoji.Select(e => new Dictionary<string, object>
        {
            ["hexcode"] = e.Name,
            ["order"] = e.Order is { } order ? order : "",
            ["skintone"] = e.SkinTone ? 1 : "",
            ["annotation"] = e.Name,
            ["group"] = e.Group,
            ["subgroups"] = e.Subgroup,
        });
        File.WriteAllText(Path.Combine(root, "data", "openmoji.json"), JsonSerializer.Serialize(catalogue));
        if (extraBlack is not null) File.WriteAllText(Path.Combine(root, "black", "svg", extraBlack + ".svg"), Circle(20, "none"));
        return temp["pkg"];
    }
}
