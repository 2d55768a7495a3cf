using Microsoft.Extensions.Options;
using Pix2Pix.Api.Telemetry;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// Loads the models folder's generators after start-up (off the start-up path; /health/ready says when it is done), then
/// polls the folder as Triton's polling mode does: a new or changed <c>*.onnx</c> is loaded and warmed up beside the
/// version that serves and swapped in; a removed one stops serving. A file is read only once its size and time have held
/// still for a whole poll (a copy in progress is left alone) and did not change while it was read; a file is taken as
/// removed once two polls in a row have not seen it, and a missing folder removes nothing. A symbolic link is judged by the
/// file it leads to. A file that cannot be looked at or read is reported as a model that cannot be served (beside the
/// version that serves, if one does), and nothing that goes wrong in a poll stops the polling or the service.
/// </summary>
public sealed class ModelsFolderWatcher(
    ModelRegistry registry, RequestPathWarmUp warmUp, IOptions<InferenceOptions> options, Pix2PixTelemetry telemetry, ILogger<ModelsFolderWatcher> logger)
    : BackgroundService
{
    private readonly InferenceOptions settings = options.Value;

    // What each file looked like when it was last loaded (or tried), when it was last seen changed, and which files one
    // poll has already missed.
    private readonly Dictionary<string, FileStamp> loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileStamp> settling = new(StringComparer.Ordinal);
    private readonly HashSet<string> missing = new(StringComparer.Ordinal);
    // Files that could not be looked at, and why (reported once per reason).
    private readonly Dictionary<string, string> unreadable = new(StringComparer.Ordinal);
    private bool folderMissingReported;

    /// <summary>A file's size and time, and for a symbolic link those of the file it leads to, and which file that is.</summary>
    private readonly record struct FileStamp(long Length, DateTime Written, string? Target)
    {
        public static FileStamp Of(FileInfo file)
        {
            if (file.LinkTarget is null) return new(file.Length, file.LastWriteTimeUtc, null);
            // A target rewritten in place, or one still being copied, changes the target's stamp, not the link's.
            var target = file.ResolveLinkTarget(returnFinalTarget: true);
            if (target is not FileInfo { Exists: true } leadsTo) throw new IOException($"it is a link to {target?.FullName ?? file.LinkTarget}, which is not a file");
            return new(leadsTo.Length, leadsTo.LastWriteTimeUtc, leadsTo.FullName);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Run(() => LoadStartupModels(stoppingToken), stoppingToken);
        if (settings.ReloadPollSeconds <= 0) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.ReloadPollSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PollAsync(stoppingToken);
            }
            catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
            {
                // Whatever a poll ran into, the service goes on serving and the next poll looks again.
                logger.LogError(e, "Polling the models folder {Folder} failed; the next poll looks again", registry.Folder);
            }
        }
    }

    private async Task LoadStartupModels(CancellationToken stopping)
    {
        var files = Array.Empty<FileInfo>();
        try
        {
            files = ModelFiles()?.ToArray() ?? [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogError("Could not read the models folder {Folder}: {Reason}", registry.Folder, e.Message);
        }

        foreach (var file in files)
        {
            if (await LoadAsync(file, null, stopping) is { } stamp) loaded[Name(file)] = stamp;
        }

        registry.CompleteStartup();
    }

    /// <summary>One look at the folder: removals once a file has been missed twice, new or changed files once they have settled.</summary>
    public async Task PollAsync(CancellationToken stopping = default)
    {
        Dictionary<string, FileInfo> files;
        try
        {
            if (ModelFiles() is not { } found)
            {
                if (!folderMissingReported) logger.LogWarning("The models folder {Folder} {Problem}; the models loaded keep serving", registry.Folder, registry.FolderProblem() ?? "is missing");
                folderMissingReported = true;
                return;
            }

            files = found.ToDictionary(Name, StringComparer.Ordinal);
            folderMissingReported = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Could not read the models folder {Folder}: {Reason}", registry.Folder, e.Message);
            return;
        }

        // Every name this folder has given the registry: loaded ones, and ones that never loaded (unreadable, a link to
        // nothing, a read that failed at start-up), which are listed as failed until their file goes too.
        var gone = loaded.Keys.Concat(unreadable.Keys).Concat(registry.All.Select(model => model.Name)).Where(name => !files.ContainsKey(name)).ToHashSet();
        foreach (var name in gone)
        {
            if (missing.Add(name)) continue;   // missed once: a file being replaced by rm and cp may be back at the next look
            missing.Remove(name);
            loaded.Remove(name);
            unreadable.Remove(name);
            settling.Remove(name);
            registry.Remove(name);
        }

        missing.IntersectWith(gone);
        foreach (var vanished in settling.Keys.Where(name => !files.ContainsKey(name)).ToArray()) settling.Remove(vanished);
        foreach (var (name, file) in files)
        {
            if (stopping.IsCancellationRequested) return;
            FileStamp stamp;
            try
            {
                stamp = FileStamp.Of(file);
            }
            catch (FileNotFoundException)
            {
                continue;   // gone between the listing and the look
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (!unreadable.TryGetValue(name, out var reported) || reported != e.Message)
                {
                    unreadable[name] = e.Message;
                    await PublishAsync(GeneratorModel.Unreadable(file.FullName, e.Message, logger));
                }

                continue;
            }

            if (unreadable.Remove(name)) loaded.Remove(name);   // readable again: read it (again) once it holds still

            if (loaded.TryGetValue(name, out var known) && known == stamp) continue;
            if (!settling.TryGetValue(name, out var before) || before != stamp)
            {
                settling[name] = stamp;   // changed since the last look: wait for it to hold still
                continue;
            }

            settling.Remove(name);
            if (await LoadAsync(file, stamp, stopping) is { } read) loaded[name] = read;
        }
    }

    /// <summary>
    /// Reads, loads, warms up and publishes one file; returns the stamp it was read at, or null to look again later.
    /// <paramref name="expected"/>: the stamp the file settled at (null at start-up, where files are taken as they are).
    /// Nothing that goes wrong with one file stops the others or the service.
    /// </summary>
    private async Task<FileStamp?> LoadAsync(FileInfo file, FileStamp? expected, CancellationToken stopping)
    {
        var name = Name(file);
        GeneratorModel? model = null;
        try
        {
            var stamp = expected ?? FileStamp.Of(file);
            // Not opened when empty: no model is, and a named pipe, a device or a socket (which show no length) would
            // block the read, and with it every later poll, until something wrote to it.
            if (stamp.Length == 0) throw new IOException("it is empty, or not a regular file");
            var onnx = await File.ReadAllBytesAsync(file.FullName, stopping);
            file.Refresh();
            if (!file.Exists || FileStamp.Of(file) != stamp) return null;   // written to while read: taken when it settles
            var serving = registry.Find(name);
            if (serving is { State: ModelState.Ready } && serving.Version == GeneratorModel.VersionOf(onnx))
            {
                registry.ServingVersionIsBack(name);   // touched, or a failed replacement undone: what serves is what the file holds
                return stamp;
            }

            model = GeneratorModel.Load(file.FullName, onnx, settings, telemetry, logger);
            if (model.State == ModelState.Ready) await warmUp.RunAsync(model, stopping);   // beside the version that serves
            await PublishAsync(model);
            return stamp;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            if (model is not null) await model.DisposeAsync();
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (model is not null) await model.DisposeAsync();
            if (e is IOException or UnauthorizedAccessException) await PublishAsync(GeneratorModel.Unreadable(file.FullName, e.Message, logger));
            else logger.LogError(e, "Model {Model}: loading {Path} failed; the next poll tries again if the file changes", name, file.FullName);
            return expected;
        }
    }

    // Serves a new version. One that cannot serve, beside a version that does, is reported as a failed replacement instead
    // (in /models, the log and the metrics), and the serving version stays.
    private async Task PublishAsync(GeneratorModel model)
    {
        if (model.State == ModelState.Failed && registry.Find(model.Name) is { State: ModelState.Ready })
        {
            registry.KeepServing(model);
            await model.DisposeAsync();
            return;
        }

        registry.Publish(model);
    }

    // The folder's model files, or null when the folder does not exist.
    private IEnumerable<FileInfo>? ModelFiles()
    {
        var folder = new DirectoryInfo(registry.Folder);
        return folder.Exists ? folder.EnumerateFiles("*.onnx").OrderBy(f => f.Name, StringComparer.Ordinal) : null;
    }

    private static string Name(FileInfo file) => Path.GetFileNameWithoutExtension(file.Name);
}
