using System.Globalization;
using System.Text.Json;

namespace Pix2Pix.Training.Data;

/// <summary>
/// An emoji design in Iconify's JSON packaging (the npm packages @iconify-json/twemoji, @iconify-json/fluent-emoji-flat,
/// @iconify-json/noto, …): icons.json holds every icon's SVG body and view box, chars.json maps code points to icon
/// names, info.json names the design, its author and licence. Colour pictures only: `prepare openmoji --extra_sets`
/// draws their outlines (<see cref="ColourOutlines"/>).
/// </summary>
public sealed class IconifyEmojiSet
{
    /// <param name="Name">The icon's name in the set (e.g. red-apple).</param>
    /// <param name="Svg">A whole SVG document of the icon.</param>
    /// <param name="Hexcode">Its code points as OpenMoji writes them (upper case, '-' between, no variation selector FE0F), or null.</param>
    public sealed record Icon(string Name, string Svg, string? Hexcode);

    private IconifyEmojiSet(string prefix, string title, string version, string author, string licence, string licenceUrl, IReadOnlyList<Icon> icons)
    {
        (Prefix, Title, Version, Author, Licence, LicenceUrl, Icons) = (prefix, title, version, author, licence, licenceUrl, icons);
    }

    public string Prefix { get; }
    public string Title { get; }
    public string Version { get; }
    public string Author { get; }
    public string Licence { get; }
    public string LicenceUrl { get; }
    public IReadOnlyList<Icon> Icons { get; }

    public static IconifyEmojiSet Open(string path)
    {
        var files = NpmPackage.Read(path, name => name is "package.json" or "icons.json" or "chars.json" or "info.json", "--extra_sets");
        if (!files.TryGetValue("icons.json", out var iconsJson)) throw new UserInputException($"{path} holds no icons.json; is it an @iconify-json package?");
        try
        {
            using var icons = JsonDocument.Parse(iconsJson);
            var root = icons.RootElement;
            var prefix = Text(root, "prefix") ?? Path.GetFileNameWithoutExtension(path);
            var (width, height) = (Number(root, "width") ?? 16, Number(root, "height") ?? 16);
            var codes = files.TryGetValue("chars.json", out var chars) ? Hexcodes(chars) : [];
            if (!root.TryGetProperty("icons", out var entries) || entries.ValueKind != JsonValueKind.Object) throw new UserInputException($"{path}: icons.json has no icons");
            var list = new List<Icon>();
            foreach (var entry in entries.EnumerateObject())
            {
                if (Text(entry.Value, "body") is not { } body) continue;
                var box = string.Join(' ', new[] { Number(entry.Value, "left") ?? 0, Number(entry.Value, "top") ?? 0, Number(entry.Value, "width") ?? width, Number(entry.Value, "height") ?? height }
                    .Select(n => n.ToString(CultureInfo.InvariantCulture)));
                var svg = $"<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" viewBox=\"{box}\">{body}</svg>";
                list.Add(new Icon(entry.Name, svg, codes.GetValueOrDefault(entry.Name)));
            }

            var (title, author, licence, url) = Info(files);
            return new IconifyEmojiSet(prefix, title ?? prefix, NpmPackage.Version(files), author ?? "unknown", licence ?? "unknown", url ?? "", list);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new UserInputException($"{path}: icons.json or chars.json is not Iconify's format ({e.Message})", e);
        }
    }

    /// <summary>OpenMoji's spelling of a sequence of code points: upper case, no FE0F (emoji presentation) selector.</summary>
    public static string Hexcode(string codePoints) =>
        string.Join('-', codePoints.ToUpperInvariant().Split('-', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "FE0F"));

    // chars.json: code points → icon name; an icon listed under several spellings keeps the shortest.
    private static Dictionary<string, string> Hexcodes(string json)
    {
        using var chars = JsonDocument.Parse(json);
        var codes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in chars.RootElement.EnumerateObject())
        {
            if (pair.Value.GetString() is not { } name) continue;
            var hexcode = Hexcode(pair.Name);
            if (!codes.TryGetValue(name, out var known) || hexcode.Length < known.Length) codes[name] = hexcode;
        }

        return codes;
    }

    private static (string? Title, string? Author, string? Licence, string? Url) Info(Dictionary<string, string> files)
    {
        if (!files.TryGetValue("info.json", out var json)) return default;
        using var info = JsonDocument.Parse(json);
        var root = info.RootElement;
        var author = root.TryGetProperty("author", out var a) ? Text(a, "name") : null;
        var licence = root.TryGetProperty("license", out var l) ? (Text(l, "title"), Text(l, "url")) : (null, null);
        return (Text(root, "name"), author, licence.Item1, licence.Item2);
    }

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? Number(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
