using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace Pix2Pix.Training.Data;

/// <summary>
/// The OpenMoji npm package (a .tgz from `npm pack openmoji@17.0.0`, or its unpacked folder): every
/// emoji as a black line drawing (black/svg/X.svg) and in colour (color/svg/X.svg) under the same name.
/// </summary>
public sealed class OpenMojiPackage
{
    public sealed record Item(string Name, string LineDrawing, string Colour);

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

    public static OpenMojiPackage Open(string path)
    {
        var files = File.Exists(path) ? ReadArchive(path) : Directory.Exists(path) ? ReadFolder(path)
            : throw new UserInputException($"--package not found: {path}");
        var black = Svgs(files, "black/svg/");
        var colour = Svgs(files, "color/svg/");
        if (black.Count == 0 || colour.Count == 0) throw new UserInputException($"{path} holds no black/svg and color/svg folders; is it the openmoji npm package?");
        var names = black.Keys.Intersect(colour.Keys).Order(StringComparer.Ordinal).ToArray();
        var version = files.TryGetValue("package.json", out var manifest) ? Version0(manifest) : "unknown";
        return new OpenMojiPackage(version, names.Select(n => new Item(n, black[n], colour[n])).ToArray(), black.Count + colour.Count - 2 * names.Length);
    }

    private static Dictionary<string, string> Svgs(Dictionary<string, string> files, string folder) =>
        files.Where(f => f.Key.StartsWith(folder, StringComparison.Ordinal) && f.Key.EndsWith(".svg", StringComparison.OrdinalIgnoreCase) && !f.Key[folder.Length..].Contains('/'))
            .ToDictionary(f => Path.GetFileNameWithoutExtension(f.Key), f => f.Value);

    private static string Version0(string manifest)
    {
        try
        {
            using var json = JsonDocument.Parse(manifest);
            return json.RootElement.TryGetProperty("version", out var v) ? v.GetString() ?? "unknown" : "unknown";
        }
        catch (JsonException)
        {
            return "unknown";
        }
    }

    // Paths relative to the package root ("package/" inside an npm tarball), for the files we need.
    private static Dictionary<string, string> ReadArchive(string path)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
                var name = entry.Name.StartsWith("package/", StringComparison.Ordinal) ? entry.Name["package/".Length..] : entry.Name;
                if (!Wanted(name)) continue;
                using var reader = new StreamReader(entry.DataStream);
                files[name] = reader.ReadToEnd();
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new UserInputException($"{path} is not a readable .tgz package ({e.Message})", e);
        }

        return files;
    }

    private static Dictionary<string, string> ReadFolder(string root)
    {
        var package = Directory.Exists(Path.Combine(root, "package")) ? Path.Combine(root, "package") : root;
        return Directory.EnumerateFiles(package, "*", SearchOption.AllDirectories)
            .Select(f => (Relative: Path.GetRelativePath(package, f).Replace('\\', '/'), Full: f))
            .Where(f => Wanted(f.Relative))
            .ToDictionary(f => f.Relative, f => File.ReadAllText(f.Full), StringComparer.Ordinal);
    }

    private static bool Wanted(string name) => name == "package.json" || name.StartsWith("black/svg/", StringComparison.Ordinal) || name.StartsWith("color/svg/", StringComparison.Ordinal);
}
