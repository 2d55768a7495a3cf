namespace Pix2Pix.Training.Training;

/// <summary>Writes files so that an interruption leaves the previous version whole, never half a file.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<string> writeTo)
    {
        var temporary = path + ".partial";
        writeTo(temporary);
        File.Move(temporary, path, overwrite: true);
    }

    public static void WriteAllText(string path, string text) => Write(path, t => File.WriteAllText(t, text));
}
