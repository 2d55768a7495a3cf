namespace Pix2Pix.Bench;

/// <summary>--quick, --out FILE, and what scripts/bench passes: --service DLL --hey PATH --png FILE --shipped MODEL.onnx --calibration DIR --inputs DIR, and --sections engines,precision,service,training,gpu (default: all).</summary>
public sealed record BenchOptions(bool Quick, string Output, string? ServiceDll, string? Hey, string? Png, string? ShippedModel, string? Calibration, string? Inputs, IReadOnlySet<string> Sections)
{
    public static readonly string[] AllSections = ["engines", "precision", "service", "training", "gpu"];

    public bool Runs(string section) => Sections.Contains(section);

    public int Rounds => Quick ? 4 : 10;
    public int Requests => Quick ? 60 : 200;

    public sealed class UsageException(string message) : Exception(message);

    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        var quick = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--quick") { quick = true; continue; }
            if (!args[i].StartsWith("--") || i + 1 >= args.Length) throw new UsageException($"unexpected '{args[i]}' (options: --quick --out FILE --service DLL --hey PATH --png FILE --shipped MODEL --calibration DIR --inputs DIR --sections LIST)");
            values[args[i][2..]] = args[++i];
        }

        string? Get(string key) => values.TryGetValue(key, out var v) ? v : null;
        string? Existing(string key) => Get(key) is { } path && !File.Exists(path) ? throw new UsageException($"--{key}: {path} not found") : Get(key);
        string? Folder(string key) => Get(key) is { } path && !Directory.Exists(path) ? throw new UsageException($"--{key}: folder {path} not found") : Get(key);
        var sections = (Get("sections") ?? string.Join(',', AllSections)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        if (sections.Except(AllSections).FirstOrDefault() is { } unknown) throw new UsageException($"--sections: unknown section '{unknown}' (sections: {string.Join(", ", AllSections)})");
        if (sections.Contains("service")) sections.Add("engines"); // the service serves the models section 1 exports
        return new BenchOptions(quick, Path.GetFullPath(Get("out") ?? "docs/PERFORMANCE.md"), Existing("service"), Existing("hey"), Existing("png"), Existing("shipped"), Folder("calibration"), Folder("inputs"), sections);
    }
}
