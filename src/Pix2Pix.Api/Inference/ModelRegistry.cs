using Microsoft.Extensions.Options;
using Pix2Pix.Api.Telemetry;

namespace Pix2Pix.Api.Inference;

/// <summary>Every generator found in the models folder, by name, and which one answers when a request names none.</summary>
public sealed class ModelRegistry : IAsyncDisposable
{
    private readonly InferenceOptions settings;
    private readonly Pix2PixTelemetry telemetry;
    private readonly ILogger<ModelRegistry> logger;
    private IReadOnlyDictionary<string, GeneratorModel> models = new Dictionary<string, GeneratorModel>();

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

    /// <summary>True once every model found has been loaded (or has failed to).</summary>
    public bool Loaded { get; private set; }

    public string? DefaultName { get; private set; }

    public IEnumerable<GeneratorModel> All => models.Values.OrderBy(m => m.Name, StringComparer.Ordinal);

    public string Folder { get; }

    public void LoadAll()
    {
        var found = Directory.Exists(Folder)
            ? Directory.EnumerateFiles(Folder, "*.onnx").Order(StringComparer.Ordinal).ToArray()
            : [];
        if (found.Length == 0) logger.LogWarning("No models (*.onnx) in {Folder}", Folder);
        models = found.Select(path => GeneratorModel.Load(path, settings, telemetry, logger)).ToDictionary(m => m.Name, StringComparer.Ordinal);
        DefaultName = string.IsNullOrWhiteSpace(settings.DefaultModel) ? models.Keys.Order(StringComparer.Ordinal).FirstOrDefault() : settings.DefaultModel;
        if (DefaultName is not null && !models.ContainsKey(DefaultName)) logger.LogError("The default model {Model} is not in {Folder}", DefaultName, Folder);
        Loaded = true;
    }

    public GeneratorModel? Find(string name) => models.GetValueOrDefault(name);

    /// <summary>Why the service is not ready, or null when the default model serves; for clients, so without paths.</summary>
    public string? NotReadyReason()
    {
        if (Stopping) return "the service is shutting down";
        if (!Loaded) return "models are loading";
        // Said to anonymous clients: no paths (the log names the folder).
        if (DefaultName is null) return "no models (*.onnx) in the models folder";
        var model = Find(DefaultName);
        if (model is null) return $"the default model '{DefaultName}' is not in the models folder";
        return model.State == ModelState.Ready ? null : $"the default model '{DefaultName}' failed to load: {model.PublicError}";
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var model in models.Values) await model.DisposeAsync();
    }
}
