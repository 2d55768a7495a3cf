namespace Pix2Pix.Training.Training;

/// <summary>Writes files so that an interruption leaves the previous version whole, never half a file.</summary>
public static class AtomicFile
{
    /// <summary>Beside the file, the new version while it is being written.</summary>
    public const string TemporarySuffix = ".partial";

    public static void Write(string path, Action<string> writeTo)
    {
        var temporary = path + TemporarySuffix;
        writeTo(temporary);
        File.Move(temporary, path, overwrite: true);
    }

    public static void WriteAllText(string path, string text) => Write(path, t => File.WriteAllText(t, text));
}
