namespace Pix2Pix.GpuRun;

/// <summary>
/// --service DIR (the published service, its executable Pix2Pix.Api), --models DIR (openmoji.onnx and unet_256_ngf64.onnx),
/// --png FILE (the sketch sent under load), --out FILE (the markdown written), --quick (shorter rounds, for a proof run).
/// </summary>
public sealed record RunOptions(string Service, string Models, string Png, string Output, bool Quick)
{
    public static readonly int[] Batches = [1, 4, 16, 64];
    public static readonly int[] Concurrencies = [1, 8, 32];

    /// <summary>The batch sizes at which each CUDA setting is compared with the defaults: one image's latency, the throughput.</summary>
    public static readonly int[] SettingBatches = [1, 64];

    /// <summary>How long each batch size is timed (after its warm-up run), and each concurrency level is loaded.</summary>
    public TimeSpan EngineTime => TimeSpan.FromSeconds(Quick ? 1 : 3);
    public TimeSpan LoadTime => TimeSpan.FromSeconds(Quick ? 4 : 15);

    public sealed class UsageException(string message) : Exception(message);

    public static RunOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        var quick = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--quick") { quick = true; continue; }
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) throw new UsageException($"unexpected '{args[i]}' (options: --service DIR --models DIR --png FILE --out FILE [--quick])");
            values[args[i][2..]] = args[++i];
        }

        string Required(string key) => values.TryGetValue(key, out var value) ? value : throw new UsageException($"--{key} is required");
        var service = Required("service");
        if (!File.Exists(Path.Combine(service, "Pix2Pix.Api"))) throw new UsageException($"--service: no Pix2Pix.Api executable in {service}");
        var models = Required("models");
        if (!Directory.Exists(models) || Directory.GetFiles(models, "*.onnx").Length == 0) throw new UsageException($"--models: no .onnx files in {models}");
        var png = Required("png");
        if (!File.Exists(png)) throw new UsageException($"--png: {png} not found");
        return new RunOptions(Path.GetFullPath(service), Path.GetFullPath(models), Path.GetFullPath(png), Path.GetFullPath(Required("out")), quick);
    }
}
