using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Pix2Pix.Api.Telemetry;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// The served generators by name, as an immutable snapshot that a reload swaps atomically, and which one answers when a
/// request names none. Requests lease the version they start with (<see cref="Lease"/>); a replaced or removed version is
/// disposed once its last request has finished.
/// </summary>
public sealed class ModelRegistry : IAsyncDisposable
{
    private readonly InferenceOptions settings;
    private readonly Pix2PixTelemetry telemetry;
    private readonly ILogger<ModelRegistry> logger;
    private readonly Lock writing = new();
    private readonly List<Task> retiring = [];
    private bool disposed;
    private ImmutableSortedDictionary<string, GeneratorModel> models = ImmutableSortedDictionary.Create<string, GeneratorModel>(StringComparer.Ordinal);
    private ImmutableDictionary<string, string> reloadErrors = ImmutableDictionary<string, string>.Empty;

    public ModelRegistry(IOptions<InferenceOptions> options, Pix2PixTelemetry telemetry, ILogger<ModelRegistry> logger, IHostApplicationLifetime lifetime, IHostEnvironment environment)
    {
        settings = options.Value;
        // A relative folder means relative to the content root (the project folder under `dotnet run`, the app folder when published).
        Folder = System.IO.Path.GetFullPath(settings.ModelsFolder, environment.ContentRootPath);
        this.telemetry = telemetry;
        this.logger = logger;
        lifetime.ApplicationStopping.Register(() => Stopping = true);
    }

    /// <summary>True once shutdown has begun: no new work is admitted; what was admitted finishes.</summary>
    public bool Stopping { get; private set; }

    /// <summary>True once every model found at start-up has been loaded (or has failed to).</summary>
    public bool Loaded { get; private set; }

    /// <summary>Inference:DefaultModel, else the first model by name that serves (a file that cannot be served does not take the default from one that can), else the first by name.</summary>
    public string? DefaultName
    {
        get
        {
            if (!string.IsNullOrWhiteSpace(settings.DefaultModel)) return settings.DefaultModel;
            var current = Volatile.Read(ref models);
            return current.Values.FirstOrDefault(m => m.State == ModelState.Ready)?.Name ?? current.Keys.FirstOrDefault();
        }
    }

    public IEnumerable<GeneratorModel> All => Volatile.Read(ref models).Values;

    public string Folder { get; }

    public GeneratorModel? Find(string name) => Volatile.Read(ref models).GetValueOrDefault(name);

    /// <summary>What is wrong with the models folder itself ("is missing", "is a file, not a folder"), or null when it is a folder.</summary>
    public string? FolderProblem() =>
        Directory.Exists(Folder) ? null : File.Exists(Folder) ? "is a file, not a folder" : "is missing";

    /// <summary>Why the newest file of a model could not replace the version that serves, or null.</summary>
    public string? ReloadError(string name) => Volatile.Read(ref reloadErrors).GetValueOrDefault(name);

    /// <summary>
    /// A hold on the model a request names (or the default) for the whole request; throws what a client should be
    /// told when there is none that serves.
    /// </summary>
    public ModelLease Lease(string? requested)
    {
        if (Stopping) throw new ServiceUnavailable("Shutting down", "The service is shutting down and takes no new work; retry on another instance.", 5);
        if (!Loaded) throw new ServiceUnavailable("Models are loading", "The service is still loading its models; retry shortly.", 2);
        var name = string.IsNullOrWhiteSpace(requested) ? DefaultName : requested;
        while (true)
        {
            var model = name is null ? null : Find(name);
            if (model is null)
            {
                if (name is null) throw new ServiceUnavailable("No model", FolderProblem() is { } problem ? $"The models folder {problem}: no models are installed; the operator fixes Inference:ModelsFolder." : "No models (*.onnx) are installed in the models folder.", null);
                if (string.IsNullOrWhiteSpace(requested)) throw new ServiceUnavailable("Default model missing", $"The default model '{name}' is not in the models folder; name one of GET /models, or the operator fixes Inference:DefaultModel.", null);
                throw new UnknownModel(name);
            }

            if (model.State == ModelState.Failed)
            {
                // A broken file stays broken until an operator replaces it: no Retry-After that promises otherwise.
                throw new ServiceUnavailable($"Model '{model.Name}' is not available",
                    $"Model '{model.Name}' failed to load: {model.PublicError?.TrimEnd('.')}. Retrying will not help: the model file must be fixed or replaced (GET /models says what is wrong).", null);
            }

            if (model.TryAcquire()) return new ModelLease(model, telemetry);
            // Replaced between the lookup and the hold: the snapshot already has its successor.
        }
    }

    /// <summary>Why the service is not ready, or null when the default model serves; for clients, so without paths.</summary>
    public string? NotReadyReason()
    {
        if (Stopping) return "the service is shutting down";
        if (!Loaded) return "models are loading";
        // Said to anonymous clients: no paths (the log names the folder).
        var name = DefaultName;
        if (name is null) return FolderProblem() is { } problem ? $"the models folder {problem}" : "no models (*.onnx) in the models folder";
        var model = Find(name);
        if (model is null) return $"the default model '{name}' is not in the models folder";
        return model.State == ModelState.Ready ? null : $"the default model '{name}' failed to load: {model.PublicError}";
    }

    /// <summary>The models found at start-up are in: readiness may now say yes.</summary>
    public void CompleteStartup()
    {
        var name = DefaultName;
        if (name is null && FolderProblem() is { } problem) logger.LogWarning("The models folder {Folder} {Problem} (Inference:ModelsFolder): no models to serve", Folder, problem);
        else if (name is null) logger.LogWarning("No models (*.onnx) in {Folder}", Folder);
        else if (Find(name) is null) logger.LogError("The default model {Model} is not in {Folder}", name, Folder);
        Loaded = true;
    }

    /// <summary>Serves <paramref name="model"/> under its name from now on; the version it replaces finishes its requests, then goes.</summary>
    public void Publish(GeneratorModel model)
    {
        GeneratorModel? old;
        lock (writing)
        {
            if (disposed)
            {
                // Loaded by a load still running when the service shut down: nobody will serve it.
                model.DisposeAsync().AsTask().GetAwaiter().GetResult();
                return;
            }

            old = models.GetValueOrDefault(model.Name);
            models = models.SetItem(model.Name, model);
            reloadErrors = reloadErrors.Remove(model.Name);
        }

        if (!Loaded) return;
        var change = old is null ? "added" : "replaced";
        telemetry.ModelReloads.Add(1, new("model", model.Name), new("outcome", model.State == ModelState.Ready ? change : "failed"));
        logger.LogInformation("Model {Model} {Change}: {Old} -> {New} ({State})", model.Name, change, old?.Version ?? "none", model.Version, model.State);
        if (old is not null) Retire(old);
    }

    /// <summary>Stops serving <paramref name="name"/> (its file is gone); requests that hold it finish on it.</summary>
    public void Remove(string name)
    {
        GeneratorModel? old;
        lock (writing)
        {
            old = models.GetValueOrDefault(name);
            models = models.Remove(name);
            reloadErrors = reloadErrors.Remove(name);
        }

        if (old is null) return;
        telemetry.ModelReloads.Add(1, new("model", name), new("outcome", "removed"));
        logger.LogInformation("Model {Model} {Version} removed: its file is gone", name, old.Version);
        Retire(old);
    }

    /// <summary>A newer file of <paramref name="failed"/>'s name could not be loaded: the serving version stays, and this is reported.</summary>
    public void KeepServing(GeneratorModel failed)
    {
        lock (writing) reloadErrors = reloadErrors.SetItem(failed.Name, $"the new file ({failed.Version}) was not loaded: {failed.PublicError}");
        telemetry.ModelReloads.Add(1, new("model", failed.Name), new("outcome", "failed"));
        logger.LogError("Model {Model}: the new file {Version} was not loaded, the serving version {Serving} stays: {Reason}",
            failed.Name, failed.Version, Find(failed.Name)?.Version, failed.Error);
    }

    /// <summary>The file of <paramref name="name"/> holds the version that serves: a failed replacement reported before no longer stands.</summary>
    public void ServingVersionIsBack(string name)
    {
        lock (writing) reloadErrors = reloadErrors.Remove(name);
    }

    private void Retire(GeneratorModel old)
    {
        old.Release();
        var disposal = old.Released.ContinueWith(_ => old.DisposeAsync().AsTask(), TaskScheduler.Default).Unwrap();
        lock (writing)
        {
            retiring.RemoveAll(t => t.IsCompleted);
            retiring.Add(disposal);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // At the end of the shutdown grace period: what still waits is cancelled.
        GeneratorModel[] current;
        lock (writing)
        {
            disposed = true;
            current = models.Values.ToArray();
            models = models.Clear();
        }

        foreach (var model in current) await model.DisposeAsync();
        Task[] pending;
        lock (writing) pending = retiring.ToArray();
        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
