namespace Pix2Pix.Training.Data;

/// <summary>
/// Where `prepare` writes a dataset: a new or empty folder, filled beside it (FOLDER.partial) and moved into place whole
/// when done. An existing dataset is never mixed with a new one (stale pairs of other settings would stay, and its
/// DATASET.md would count only the new ones); an interrupted run leaves no half dataset under the name, and the next run
/// starts its FOLDER.partial afresh.
/// </summary>
public static class DatasetFolder
{
    public const string PartialSuffix = ".partial";

    public static T Write<T>(string folder, string option, Func<string, T> write)
    {
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            throw new UserInputException($"{option} {folder} already holds files; a dataset is written into a new or empty folder (remove it, or choose another)");
        }

        if (File.Exists(folder)) throw new UserInputException($"{option} {folder} is a file; give a folder");
        var partial = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + PartialSuffix;
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        try
        {
            var report = write(partial);
            if (Directory.Exists(folder)) Directory.Delete(folder);
            Directory.Move(partial, folder);
            return report;
        }
        catch
        {
            if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
            throw;
        }
    }
}
