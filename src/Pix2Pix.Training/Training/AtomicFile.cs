namespace Pix2Pix.Training.Training;

/// <summary>
/// Writes files so that an interruption, a crash or a power cut included, leaves the previous version whole, never half
/// a file: the new version is written beside it, put on the disk, then renamed over it, and the rename put on the disk.
/// </summary>
public static class AtomicFile
{
    /// <summary>Beside the file, the new version while it is being written.</summary>
    public const string TemporarySuffix = ".partial";

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="writeTo"/>, which is given the temporary path.
    /// <paramref name="durable"/> false skips the syncs (about 10 ms a file here), for files that can be made again.
    /// </summary>
    public static void Write(string path, Action<string> writeTo, bool durable = true)
    {
        var temporary = path + TemporarySuffix;
        writeTo(temporary);
        if (durable) DurableFile.Sync(temporary);
        File.Move(temporary, path, overwrite: true);
        if (durable) DurableFile.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public static void WriteAllText(string path, string text) => Write(path, t => File.WriteAllText(t, text));
}
