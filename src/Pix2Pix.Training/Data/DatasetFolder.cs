namespace Pix2Pix.Training.Data;

/// <summary>
/// Where `prepare openmoji` and `prepare edges` write a dataset: a new or empty folder, filled through a staging folder and
/// moved into place whole when done. An existing dataset is never mixed with a new one (stale pairs of other settings
/// would stay, and its DATASET.md would count only the new ones); an interrupted run leaves no half dataset under the
/// name, and the next run starts its staging folder afresh. A new folder is staged beside it (FOLDER.partial); an empty
/// one that exists (`--out .`, a mount point, a folder whose parent is not writable) is staged inside it (.partial) and
/// its contents moved up, so the folder itself is never removed or replaced.
/// </summary>
public static class DatasetFolder
{
    public const string PartialName = ".partial";

    public static T Write<T>(string folder, string option, Func<string, T> write)
    {
        if (File.Exists(folder)) throw new UserInputException($"{option} {folder} is a file; give a folder");
        var exists = Directory.Exists(folder);
        var inside = Path.Combine(folder, PartialName);
        if (exists && Directory.EnumerateFileSystemEntries(folder).Any(e => Path.GetFileName(e) != PartialName))
        {
            throw new UserInputException($"{option} {folder} already holds files; a dataset is written into a new or empty folder (remove it, or choose another)");
        }

        var partial = exists ? inside : Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + PartialName;
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        try
        {
            var report = write(partial);
            if (exists)
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(partial).ToArray())
                {
                    var to = Path.Combine(folder, Path.GetFileName(entry));
                    if (Directory.Exists(entry)) Directory.Move(entry, to);
                    else File.Move(entry, to);
                }

                Directory.Delete(partial);
            }
            else
            {
                Directory.Move(partial, folder);
            }

            return report;
        }
        catch
        {
            if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
            throw;
        }
    }
}
