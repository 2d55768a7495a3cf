namespace Pix2Pix.Training.Data;

/// <summary>Comparisons of folders as the file system sees them, whatever the trailing separators or relative parts.</summary>
public static class FolderPaths
{
    /// <summary>Whether <paramref name="inner"/> is <paramref name="outer"/> or a folder inside it.</summary>
    public static bool Within(string inner, string outer)
    {
        var (x, y) = (Normalise(inner), Normalise(outer));
        return x == y || Inside(x, y);
    }

    private static bool Inside(string inner, string outer) =>
        inner.StartsWith(outer.EndsWith(Path.DirectorySeparatorChar) ? outer : outer + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static string Normalise(string path)
    {
        var full = Path.GetFullPath(path);
        var trimmed = Path.TrimEndingDirectorySeparator(full);
        return trimmed.Length == 0 ? full : trimmed;
    }
}
