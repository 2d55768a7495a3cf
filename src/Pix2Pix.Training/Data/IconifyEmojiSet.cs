using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pix2Pix.Training.Data;

/// <summary>
/// An emoji design in Iconify's JSON packaging (the npm packages @iconify-json/twemoji, @iconify-json/fluent-emoji-flat,
/// @iconify-json/noto, …): icons.json holds every icon's SVG body and view box, chars.json maps code points to icon
/// names, info.json names the design, its author and licence. Colour pictures only: `prepare openmoji --extra_sets`
/// draws their outlines (<see cref="ColourOutlines"/>).
/// </summary>
public sealed partial class IconifyEmojiSet
{
    /// <param name="Name">The icon's name in the set (e.g. red-apple).</param>
    /// <param name="Svg">A whole SVG document of the icon.</param>
    /// <param name="Hexcode">Its code points as OpenMoji writes them (upper case, '-' between, no variation selector FE0F), or null.</param>
    public sealed record Icon(string Name, string Svg, string? Hexcode);

    private IconifyEmojiSet(string prefix, string source, string title, string version, string author, string licence, string licenceUrl, IReadOnlyList<Icon> icons)
    {
        (Prefix, Source, Title, Version, Author, Licence, LicenceUrl, Icons) = (prefix, source, title, version, author, licence, licenceUrl, icons);
    }

    /// <summary>The design's Iconify prefix (e.g. twemoji), which names its pairs.</summary>
    public string Prefix { get; }

    /// <summary>The package's file or folder name, as given to --extra_sets.</summary>
    public string Source { get; }
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
        var codes = files.TryGetValue("chars.json", out var chars) ? Parse(path, "chars.json", () => Hexcodes(chars)) : [];
        var (title, author, licence, url) = files.TryGetValue("info.json", out var info) ? Parse(path, "info.json", () => Info(info)) : default;
        var source = Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
        return Parse(path, "icons.json", () =>
        {
            using var icons = JsonDocument.Parse(iconsJson);
            var root = icons.RootElement;
            var prefix = Text(root, "prefix") ?? source;
            if (!Name().IsMatch(prefix)) throw new UserInputException($"{path}: the design's prefix '{prefix}' is not an Iconify name (lower-case letters, digits and '-')");
            var (width, height) = (Number(root, "width") ?? 16, Number(root, "height") ?? 16);
            if (!root.TryGetProperty("icons", out var entries) || entries.ValueKind != JsonValueKind.Object) throw new UserInputException($"{path}: icons.json has no icons");
            var list = new List<Icon>();
            foreach (var entry in entries.EnumerateObject())
            {
                // A name is part of a file name: one that is not an Iconify name is not used.
                if (Text(entry.Value, "body") is not { } body || !Name().IsMatch(entry.Name)) continue;
                var box = string.Join(' ', new[] { Number(entry.Value, "left") ?? 0, Number(entry.Value, "top") ?? 0, Number(entry.Value, "width") ?? width, Number(entry.Value, "height") ?? height }
                    .Select(n => n.ToString(CultureInfo.InvariantCulture)));
                var svg = $"<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" viewBox=\"{box}\">{body}</svg>";
                list.Add(new Icon(entry.Name, svg, codes.GetValueOrDefault(entry.Name)));
            }

            return new IconifyEmojiSet(prefix, source, title ?? prefix, NpmPackage.Version(files), author ?? "unknown", licence ?? "unknown", url ?? "", list);
        });
    }

    // One file's JSON, read by `read`; a file of another shape is named in one line.
    private static T Parse<T>(string path, string file, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new UserInputException($"{path}: {file} is not in Iconify's format ({e.Message})", e);
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex Name();

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
            if (pair.Value.ValueKind != JsonValueKind.String || pair.Value.GetString() is not { } name) continue;
            var hexcode = Hexcode(pair.Name);
            if (!codes.TryGetValue(name, out var known) || hexcode.Length < known.Length) codes[name] = hexcode;
        }

        return codes;
    }

    private static (string? Title, string? Author, string? Licence, string? Url) Info(string json)
    {
        using var info = JsonDocument.Parse(json);
        var root = info.RootElement;
        var author = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("author", out var a) ? Text(a, "name") : null;
        var licence = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("license", out var l) ? (Text(l, "title"), Text(l, "url")) : (null, null);
        return (Text(root, "name"), author, licence.Item1, licence.Item2);
    }

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? Number(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
