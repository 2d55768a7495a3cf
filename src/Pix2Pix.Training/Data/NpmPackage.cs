using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace Pix2Pix.Training.Data;

/// <summary>
/// The text files of an npm package, from the .tgz `npm pack` writes or from its unpacked folder, by their path relative to
/// the package root ("package/" inside a tarball is dropped).
/// </summary>
public static class NpmPackage
{
    /// <summary>The files of <paramref name="path"/> that <paramref name="wanted"/> names, as text.</summary>
    public static Dictionary<string, string> Read(string path, Func<string, bool> wanted, string option) =>
        File.Exists(path) ? ReadArchive(path, wanted) : Directory.Exists(path) ? ReadFolder(path, wanted)
            : throw new UserInputException($"{option} not found: {path}");

    /// <summary>The "version" of a package.json, or "unknown".</summary>
    public static string Version(IReadOnlyDictionary<string, string> files)
    {
        if (!files.TryGetValue("package.json", out var manifest)) return "unknown";
        try
        {
            using var json = JsonDocument.Parse(manifest);
            return json.RootElement.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "unknown" : "unknown";
        }
        catch (JsonException)
        {
            return "unknown";
        }
    }

    /// <summary>The most one file, and all the wanted files together, may hold once unpacked: the emoji packages this
    /// reads unpack to tens of MB (OpenMoji 17's largest file is 2.9 MB, all of it 43 MB); a crafted archive could claim
    /// gigabytes and fill memory.</summary>
    public const long MaxFileBytes = 256L << 20, MaxTotalBytes = 1L << 30;

    private static Dictionary<string, string> ReadArchive(string path, Func<string, bool> wanted)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var total = 0L;
        try
        {
            using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
                var name = entry.Name.StartsWith("package/", StringComparison.Ordinal) ? entry.Name["package/".Length..] : entry.Name;
                if (!wanted(name)) continue;
                total += entry.Length;
                if (entry.Length > MaxFileBytes || total > MaxTotalBytes)
                {
                    throw new UserInputException($"{path} is not an emoji package this reads: {name} unpacks to {entry.Length:N0} bytes (at most {MaxFileBytes:N0} a file, {MaxTotalBytes:N0} in all)");
                }

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

    private static Dictionary<string, string> ReadFolder(string root, Func<string, bool> wanted)
    {
        var package = Directory.Exists(Path.Combine(root, "package")) ? Path.Combine(root, "package") : root;
        return Directory.EnumerateFiles(package, "*", SearchOption.AllDirectories)
            .Select(f => (Relative: Path.GetRelativePath(package, f).Replace('\\', '/'), Full: f))
            .Where(f => wanted(f.Relative))
            .ToDictionary(f => f.Relative, f => File.ReadAllText(f.Full), StringComparer.Ordinal);
    }
}
