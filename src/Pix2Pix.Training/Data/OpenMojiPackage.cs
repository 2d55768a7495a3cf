using System.Text.Json;

namespace Pix2Pix.Training.Data;

/// <summary>
/// The OpenMoji npm package (a .tgz from `npm pack openmoji@17.0.0`, or its unpacked folder): every
/// emoji as a black line drawing (black/svg/X.svg) and in colour (color/svg/X.svg) under the same name, and
/// data/openmoji.json, which gives each emoji's Unicode order and skin tone.
/// </summary>
public sealed class OpenMojiPackage
{
    /// <param name="Order">Unicode's emoji order (OpenMoji's own extras, which have none, come last).</param>
    /// <param name="SkinTone">Whether the emoji carries a skin-tone modifier.</param>
    /// <param name="Group">OpenMoji's group (e.g. food-drink), empty when the catalogue has none.</param>
    /// <param name="Subgroup">OpenMoji's subgroup within it (e.g. food-fruit), empty when the catalogue has none.</param>
    public sealed record Item(string Name, string LineDrawing, string Colour, int Order = int.MaxValue, bool SkinTone = false, string Annotation = "",
        string Group = "", string Subgroup = "")
    {
        /// <summary>Whether <paramref name="name"/> is this emoji's group or subgroup.</summary>
        public bool IsIn(string name) => name == Group || name == Subgroup;
    }

    private OpenMojiPackage(string version, IReadOnlyList<Item> emoji, int unpaired)
    {
        Version = version;
        Emoji = emoji;
        Unpaired = unpaired;
    }

    public string Version { get; }
    public IReadOnlyList<Item> Emoji { get; }
    /// <summary>Drawings that have no colour version or the other way round.</summary>
    public int Unpaired { get; }

    /// <summary>The emoji whose code points are <paramref name="hexcode"/> (spelt as <see cref="IconifyEmojiSet.Hexcode"/> does), or null.</summary>
    public Item? Find(string hexcode) => (byHexcode ??= Emoji.GroupBy(e => IconifyEmojiSet.Hexcode(e.Name)).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal))
        .GetValueOrDefault(hexcode);

    private Dictionary<string, Item>? byHexcode;

    public static OpenMojiPackage Open(string path)
    {
        var files = NpmPackage.Read(path, Wanted, "--package");
        var black = Svgs(files, "black/svg/");
        var colour = Svgs(files, "color/svg/");
        if (black.Count == 0 || colour.Count == 0) throw new UserInputException($"{path} holds no black/svg and color/svg folders; is it the openmoji npm package?");
        var names = black.Keys.Intersect(colour.Keys).Order(StringComparer.Ordinal).ToArray();
        var version = NpmPackage.Version(files);
        var catalogue = files.TryGetValue("data/openmoji.json", out var data) ? Catalogue(data, path) : [];
        var items = names.Select(n => catalogue.TryGetValue(n, out var entry)
            ? new Item(n, black[n], colour[n], entry.Order, entry.SkinTone, entry.Annotation, entry.Group, entry.Subgroup)
            : new Item(n, black[n], colour[n])).ToArray();
        return new OpenMojiPackage(version, items, black.Count + colour.Count - 2 * names.Length);
    }

    private static Dictionary<string, string> Svgs(Dictionary<string, string> files, string folder) =>
        files.Where(f => f.Key.StartsWith(folder, StringComparison.Ordinal) && f.Key.EndsWith(".svg", StringComparison.OrdinalIgnoreCase) && !f.Key[folder.Length..].Contains('/'))
            .ToDictionary(f => Path.GetFileNameWithoutExtension(f.Key), f => f.Value);

    private static Dictionary<string, (int Order, bool SkinTone, string Annotation, string Group, string Subgroup)> Catalogue(string json, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var entries = new Dictionary<string, (int, bool, string, string, string)>(StringComparer.Ordinal);
            foreach (var emoji in document.RootElement.EnumerateArray())
            {
                if (!emoji.TryGetProperty("hexcode", out var hexcode) || hexcode.GetString() is not { } name) continue;
                var order = emoji.TryGetProperty("order", out var o) && o.ValueKind == JsonValueKind.Number ? o.GetInt32() : int.MaxValue;
                var skinTone = emoji.TryGetProperty("skintone", out var tone) && (tone.ValueKind == JsonValueKind.Number || tone.GetString() is { Length: > 0 });
                entries[name] = (order, skinTone, Text(emoji, "annotation"), Text(emoji, "group"), Text(emoji, "subgroups"));
            }

            return entries;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new UserInputException($"{path}: data/openmoji.json is not OpenMoji's emoji list ({e.Message})", e);
        }
    }

    private static string Text(JsonElement emoji, string property) =>
        emoji.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : "";

    private static bool Wanted(string name) => name is "package.json" or "data/openmoji.json" || name.StartsWith("black/svg/", StringComparison.Ordinal) || name.StartsWith("color/svg/", StringComparison.Ordinal);
}
