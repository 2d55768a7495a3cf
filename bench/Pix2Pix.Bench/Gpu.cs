namespace Pix2Pix.Bench;

/// <summary>
/// Section 5: what is known of the GPU paths. This benchmark measures the CPU; a GPU is measured by scripts/gpu-run, whose
/// results are kept beside the report as gpu-run-*.md (one per machine) and linked from here.
/// </summary>
public static class Gpu
{
    public static string Describe(string reportFolder)
    {
        var device = File.Exists("/proc/driver/nvidia/version") || File.Exists("/dev/nvidia0");
        var here = device ? "An NVIDIA device is present, but this benchmark measures the CPU paths only. " : "No NVIDIA GPU on this machine. ";
        const string how = "`scripts/gpu-bundle OUT` packs the service and its measuring program for a GPU machine without .NET, and "
            + "`scripts/gpu-run OUT RESULTS.md` measures there (the generators by batch 1, 4, 16, 64 through the service's own session "
            + "class, CUDA settings against the defaults, the service at concurrency 1, 8, 32).";
        var runs = Directory.Exists(reportFolder)
            ? Directory.GetFiles(reportFolder, "gpu-run-*.md").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()
            : [];
        return runs.Length == 0
            ? here + "**The GPU has never been measured**: no figure in this file or the README is a GPU figure. " + how
                + " Its results go here, with the machine named, once a run has been made."
            : here + how + " GPU figures, with the machine named: " + string.Join(", ", runs.Select(r => $"[{r}]({r})")) + ".";
    }
}
