using Microsoft.Extensions.Options;
using Pix2Pix.Api.Telemetry;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// Loads the models folder's generators after start-up (off the start-up path; /health/ready says when it is done), then
/// polls the folder as Triton's polling mode does: a new or changed <c>*.onnx</c> is loaded and warmed up beside the
/// version that serves and swapped in; a removed one stops serving. A file is read only once its size and time have held
/// still for a whole poll (a copy in progress is left alone) and did not change while it was read.
/// </summary>
public sealed class ModelsFolderWatcher(
    ModelRegistry registry, RequestPathWarmUp warmUp, IOptions<InferenceOptions> options, Pix2PixTelemetry telemetry, ILogger<ModelsFolderWatcher> logger)
    : BackgroundService
{
    private readonly InferenceOptions settings = options.Value;

    // What each file looked like when it was last loaded (or tried), and when it was last seen changed.
    private readonly Dictionary<string, FileStamp> loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileStamp> settling = new(StringComparer.Ordinal);

    private readonly record struct FileStamp(long Length, DateTime Written)
    {
        public static FileStamp Of(FileInfo file) => new(file.Length, file.LastWriteTimeUtc);
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
                Poll();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Could not read the models folder {Folder}: {Reason}", registry.Folder, e.Message);
            }
        }
    }

    private async Task LoadStartupModels(CancellationToken stopping)
    {
        foreach (var file in ModelFiles())
        {
            var stamp = FileStamp.Of(file);
            var model = GeneratorModel.Load(file.FullName, settings, telemetry, logger);
            if (model.State == ModelState.Ready) await warmUp.RunAsync(model, stopping);
            registry.Publish(model);
            loaded[Name(file)] = stamp;
        }

        registry.CompleteStartup();
    }

    /// <summary>One look at the folder: removals at once, new or changed files once they have settled.</summary>
    public void Poll()
    {
        var files = ModelFiles().ToDictionary(Name, StringComparer.Ordinal);
        foreach (var gone in loaded.Keys.Where(name => !files.ContainsKey(name)).ToArray())
        {
            loaded.Remove(gone);
            settling.Remove(gone);
            registry.Remove(gone);
        }

        foreach (var vanished in settling.Keys.Where(name => !files.ContainsKey(name)).ToArray()) settling.Remove(vanished);
        foreach (var (name, file) in files)
        {
            var stamp = FileStamp.Of(file);
            if (loaded.TryGetValue(name, out var known) && known == stamp) continue;
            if (!settling.TryGetValue(name, out var before) || before != stamp)
            {
                settling[name] = stamp;   // changed since the last look: wait for it to hold still
                continue;
            }

            settling.Remove(name);
            Reload(file, stamp);
        }
    }

    private void Reload(FileInfo file, FileStamp stamp)
    {
        var name = Name(file);
        byte[] onnx;
        try
        {
            onnx = File.ReadAllBytes(file.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Model {Model}: could not read {Path} ({Reason}); trying again at the next poll", name, file.FullName, e.Message);
            return;
        }

        file.Refresh();
        if (!file.Exists || FileStamp.Of(file) != stamp) return;   // written to while read: the next polls take it when it settles
        loaded[name] = stamp;
        var serving = registry.Find(name);
        if (serving?.Version == GeneratorModel.VersionOf(onnx)) return;   // touched, not changed

        var model = GeneratorModel.Load(file.FullName, onnx, settings, telemetry, logger);
        if (model.State == ModelState.Ready) warmUp.RunAsync(model, CancellationToken.None).GetAwaiter().GetResult();   // beside the old version
        if (model.State == ModelState.Failed && serving?.State == ModelState.Ready)
        {
            registry.KeepServing(model);
            model.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return;
        }

        registry.Publish(model);
    }

    private IEnumerable<FileInfo> ModelFiles()
    {
        var folder = new DirectoryInfo(registry.Folder);
        return folder.Exists ? folder.EnumerateFiles("*.onnx").OrderBy(f => f.Name, StringComparer.Ordinal) : [];
    }

    private static string Name(FileInfo file) => Path.GetFileNameWithoutExtension(file.Name);
}
