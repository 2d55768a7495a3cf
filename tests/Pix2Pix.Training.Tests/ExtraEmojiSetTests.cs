using System.Text.Json;
using Pix2Pix.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Tests;

/// <summary>`prepare openmoji --extra_sets`: other emoji designs (Iconify packages) outlined into more training drawings.</summary>
public class ExtraEmojiSetTests
{
    [Fact]
    public void Other_designs_add_outlined_training_drawings_and_leave_out_skin_tones_held_out_emoji_and_repeated_outlines()
    {
        using var temp = new TempFolder();
        var train = Hexcodes("train").Take(5).ToArray();
        var (heldOut, sharedPick) = (Hexcodes("test").First(), Hexcodes("val").First());
        var openMoji = OpenMoji(temp, [new(train[0], 5), new(train[1], 9), new(train[2], 7), new(train[3], 1, SkinTone: true), new(heldOut, 3),
            new(sharedPick, 2, Radius: 31), new(train[4], 20, Radius: 31)]);   // one drawing: the pick is in val, so the drawing is
        var design = IconifySet(temp, new Dictionary<string, (string Body, string? Code)>
        {
            ["red-circle"] = (Circle("#D22F27"), train[0].ToLowerInvariant()),
            ["blue-circle"] = (Circle("#61B2E4"), train[1].ToLowerInvariant() + "-fe0f"),   // the same outline, later in order
            ["green-square"] = (Square("#5C9E31"), train[2]),
            ["waving-hand-light-skin-tone"] = (Square("#F1B31C"), train[3]),
            ["held-out"] = (Square("#F4AA41"), heldOut),
            ["shares-a-held-out-drawing"] = (Square("#F4AA41"), train[4]),   // its own name hashes to train, its drawing's pick to val
            ["not-in-openmoji"] = (Square("#8E3CC8"), "1faff"),
            ["no-code-points"] = (Square("#8E3CC8"), null),
        });

        var result = Cli.Run("prepare", "openmoji", "--package", openMoji, "--size", "48", "--variants", "2", "--no_balance", "--out", temp["dataset"], "--extra_sets", design);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Fake Emoji 1.0.0 (CC BY 4.0): 8 icons", result.Output);
        Assert.Contains("Fake Emoji: 2 training drawings; left out 2 of OpenMoji's validation or test emoji, 1 skin tones, 1 repeated outlines, 2 not in OpenMoji", result.Output);
        var extras = Directory.GetFiles(temp["dataset"], "fake_*.png", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(temp["dataset"], p)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["train/fake_green-square.png", "train/fake_green-square_v1.png", "train/fake_red-circle.png", "train/fake_red-circle_v1.png"], extras);
        using var pair = Image.Load<Rgb24>(Path.Combine(temp["dataset"], "train", "fake_red-circle.png"));
        var (sketch, picture) = (DarkPixels.Of(pair, 0), DarkPixels.Of(pair, 48));
        Assert.NotEmpty(sketch);
        Assert.Equal(sketch, picture);                                  // the same lines in both halves
        Assert.Equal(new Rgb24(255, 255, 255), pair[24, 24]);           // the sketch is not filled
        Assert.Equal(new Rgb24(0xD2, 0x2F, 0x27), pair[48 + 24, 24]);   // the picture is, in the icon's colour
        Assert.Equal(new Rgb24(255, 255, 255), pair[48 + 2, 2]);        // on white
        var card = File.ReadAllText(temp["dataset/DATASET.md"]);
        Assert.Contains("| Fake Emoji (fake) | 1.0.0 | CC BY 4.0 | 8 | 2 | 2 | 1 | 1 | 2 | 0 |", card);
        Assert.Contains("--extra_sets fake-emoji)", card);   // the package as it was named, so the command can be run again
        Assert.Contains("Fake Emoji 1.0.0 by Fake Author, CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)", card);
    }

    [Fact]
    public void Outlines_follow_colour_boundaries_and_two_colours_of_one_shape_overlap_as_one_drawing()
    {
        using var red = SvgRasterizer.Render(Svg(Circle("#D22F27")), 64);
        using var blue = SvgRasterizer.Render(Svg(Circle("#61B2E4")), 64);
        using var square = SvgRasterizer.Render(Svg(Square("#D22F27")), 64);

        var widths = Enum.GetValues<ColourOutlines.Width>().Select(w =>
        {
            var (sketch, picture) = ColourOutlines.Draw(red, w);
            using (sketch)
            using (picture)
            {
                return DarkPixels.Of(sketch, 0).Count;
            }
        }).ToArray();
        var (redSketch, redPicture) = ColourOutlines.Draw(red);
        var (blueSketch, bluePicture) = ColourOutlines.Draw(blue);
        var (squareSketch, squarePicture) = ColourOutlines.Draw(square);
        using var disposed = new CompositeDisposable(redSketch, redPicture, blueSketch, bluePicture, squareSketch, squarePicture);

        Assert.True(widths[0] < widths[1] && widths[1] < widths[2], $"thin, plain, thick: {string.Join(", ", widths)} dark pixels");
        Assert.Equal(new Rgb24(0, 0, 0), redSketch[32, 32 - 20]);       // on the circle's edge (radius 20 of 64)
        Assert.Equal(new Rgb24(255, 255, 255), redSketch[32, 32]);
        Assert.Equal(new Rgb24(0xD2, 0x2F, 0x27), redPicture[32, 32]);
        var red2 = ColourOutlines.LineMask.Of(redSketch);
        Assert.InRange(red2.Overlap(ColourOutlines.LineMask.Of(blueSketch)), ColourOutlines.SameDrawing, 1);
        Assert.InRange(red2.Overlap(ColourOutlines.LineMask.Of(squareSketch)), 0, ColourOutlines.SameDrawing - 0.2);
    }

    [Theory]
    [InlineData("no icons.json", "holds no icons.json; is it an @iconify-json package?")]
    [InlineData("broken info.json", "info.json is not in Iconify's format")]
    [InlineData("a prefix that is no name", "the design's prefix 'Bad/Prefix' is not an Iconify name")]
    public void An_extra_set_that_is_not_a_usable_iconify_package_is_named_in_one_line_before_anything_is_written(string broken, string error)
    {
        using var temp = new TempFolder();
        var train = Hexcodes("train").First();
        var openMoji = OpenMoji(temp, [new(train, 1)]);
        var design = IconifySet(temp, new Dictionary<string, (string Body, string? Code)> { ["red-circle"] = (Circle("#D22F27"), train) });
        var package = Path.Combine(design, "package");
        switch (broken)
        {
            case "no icons.json": File.Delete(Path.Combine(package, "icons.json")); break;
            case "broken info.json": File.WriteAllText(Path.Combine(package, "info.json"), "{ \"name\": "); break;
            default: File.WriteAllText(Path.Combine(package, "icons.json"), File.ReadAllText(Path.Combine(package, "icons.json")).Replace("\"fake\"", "\"Bad/Prefix\"")); break;
        }

        var result = Cli.Run("prepare", "openmoji", "--package", openMoji, "--size", "32", "--out", temp["dataset"], "--extra_sets", design);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(error, result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(temp["dataset"]));
    }

    [Fact]
    public void The_same_design_named_twice_is_refused_before_anything_is_written()
    {
        using var temp = new TempFolder();
        var train = Hexcodes("train").First();
        var openMoji = OpenMoji(temp, [new(train, 1)]);
        var design = IconifySet(temp, new Dictionary<string, (string Body, string? Code)> { ["red-circle"] = (Circle("#D22F27"), train) });

        var result = Cli.Run("prepare", "openmoji", "--package", openMoji, "--size", "32", "--out", temp["dataset"], "--extra_sets", $"{design},{design}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--extra_sets names the design 'fake' more than once", result.Error);
        Assert.False(Directory.Exists(temp["dataset"]));
    }

    private static IEnumerable<string> Hexcodes(string split) =>
        Enumerable.Range(0x1F400, 0x200).Select(c => c.ToString("X")).Where(h => DatasetSplit.Of(h) == split);

    private static string Circle(string fill) => $"""<circle cx="18" cy="18" r="11.25" fill="{fill}"/>""";

    private static string Square(string fill) => $"""<rect x="7" y="7" width="22" height="22" fill="{fill}"/>""";

    private static string Svg(string body) => $"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 36 36">{body}</svg>""";

    // An OpenMoji package whose emoji are plain circles; what matters here is its catalogue (order, skin tone, split by name).
    private sealed record OpenMojiEmoji(string Hexcode, int Order, bool SkinTone = false, int? Radius = null);

    private sealed class CompositeDisposable(params IDisposable[] items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items) item.Dispose();
        }
    }

    private static string OpenMoji(TempFolder temp, IReadOnlyList<OpenMojiEmoji> emoji)
    {
        var root = temp["openmoji/package"];
        Directory.CreateDirectory(Path.Combine(root, "black", "svg"));
        Directory.CreateDirectory(Path.Combine(root, "color", "svg"));
        Directory.CreateDirectory(Path.Combine(root, "data"));
        File.WriteAllText(Path.Combine(root, "package.json"), """{ "name": "openmoji", "version": "17.0.0" }""");
        foreach (var (hexcode, order, _, radius) in emoji)
        {
            // Distinct drawings (radius by order) unless a radius is given, so OpenMoji's own one-target rule keeps each.
            var circle = (string fill) => $"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 72 72"><circle cx="36" cy="36" r="{radius ?? 10 + 2 * order}" fill="{fill}" stroke="#000000" stroke-width="3"/></svg>""";
            File.WriteAllText(Path.Combine(root, "black", "svg", hexcode + ".svg"), circle("none"));
            File.WriteAllText(Path.Combine(root, "color", "svg", hexcode + ".svg"), circle("#FCEA2B"));
        }

        File.WriteAllText(Path.Combine(root, "data", "openmoji.json"), JsonSerializer.Serialize(emoji.Select(e => new Dictionary<string, object>
        {
            ["hexcode"] = e.Hexcode, ["order"] = e.Order, ["skintone"] = e.SkinTone ? 1 : "", ["annotation"] = e.Hexcode, ["group"] = "", ["subgroups"] = "",
        })));
        return temp["openmoji"];
    }

    private static string IconifySet(TempFolder temp, IReadOnlyDictionary<string, (string Body, string? Code)> icons)
    {
        var root = temp["fake-emoji/package"];
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "package.json"), """{ "name": "@iconify-json/fake", "version": "1.0.0" }""");
        File.WriteAllText(Path.Combine(root, "icons.json"), JsonSerializer.Serialize(new
        {
            prefix = "fake",
            width = 36,
            height = 36,
            icons = icons.ToDictionary(i => i.Key, i => new { body = i.Value.Body }),
        }));
        File.WriteAllText(Path.Combine(root, "chars.json"), JsonSerializer.Serialize(icons.Where(i => i.Value.Code is not null).ToDictionary(i => i.Value.Code!, i => i.Key)));
        File.WriteAllText(Path.Combine(root, "info.json"), """
            { "prefix": "fake", "name": "Fake Emoji", "author": { "name": "Fake Author" },
              "license": { "title": "CC BY 4.0", "spdx": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/" } }
            """);
        return temp["fake-emoji"];
    }
}
