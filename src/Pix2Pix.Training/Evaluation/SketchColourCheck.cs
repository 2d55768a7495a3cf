using System.Text.Json;
using Pix2Pix.Contracts;
using Pix2Pix.Training.Inference;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Evaluation;

/// <summary>One sketch's verdict: the colour family its fill should have and the one the model gave it.</summary>
public sealed record SketchColour(string Sketch, ColourFamily Expected, ColourFamily Got, double Share)
{
    public bool Right => Got == Expected;
}

/// <summary>
/// Colour by meaning: translates sketches named COLOUR-OBJECT.png (red-heart.png, …) and compares the hue family of the
/// fill inside each one's closed shapes with COLOUR, as the service's SemanticColourTests do for the shipped model.
/// </summary>
public static class SketchColourCheck
{
    public static IReadOnlyList<SketchColour> Run(ITranslator translator, string folder)
    {
        if (!Directory.Exists(folder)) throw new UserInputException($"--sketches folder not found: {folder}");
        var sketches = Directory.GetFiles(folder, "*.png").Order(StringComparer.Ordinal).ToArray();
        if (sketches.Length == 0) throw new UserInputException($"no sketches (COLOUR-OBJECT.png) in {folder}");
        return sketches.Select(path =>
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (!ColourNames.TryParseSketchName(name, out var expected))
            {
                throw new UserInputException($"{path}: a sketch's name starts with its colour ({string.Join(", ", Enum.GetNames<ColourFamily>()).ToLowerInvariant()}), e.g. red-heart.png");
            }

            using var drawing = Data.ImageFiles.Load(path);
            using var picture = translator.Translate(drawing);
            var (got, share) = SketchRegions.Of(drawing).Fill(picture);
            return new SketchColour(name, expected, got, share);
        }).ToArray();
    }

    /// <summary>
    /// What a model that paints every sketch in one colour would score: the most common expected colour and how many
    /// sketches expect it. A count at or below it does not show colour by meaning, only a favourite colour.
    /// </summary>
    public static (ColourFamily Colour, int InTheirColour) OneColourBaseline(IReadOnlyList<SketchColour> results) =>
        results.GroupBy(r => r.Expected).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => (g.Key, g.Count())).FirstOrDefault();

    /// <summary>How many colour families the model painted the sketches in.</summary>
    public static int ColoursUsed(IReadOnlyList<SketchColour> results) => results.Select(r => r.Got).Distinct().Count();

    public static void Write(IReadOnlyList<SketchColour> results, string path)
    {
        var (colour, baseline) = OneColourBaseline(results);
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            InTheirColour = results.Count(r => r.Right),
            Sketches = results.Count,
            ColoursUsed = ColoursUsed(results),
            OneColourBaseline = new { Colour = colour, InTheirColour = baseline },
            Results = results,
        }, Training.RunRecord.Json));
    }
}
