namespace Pix2Pix.Bench;

/// <summary>Section 5: what is known of the GPU paths. This benchmark measures the CPU; a GPU is measured by the bundle.</summary>
public static class Gpu
{
    public static string Describe()
    {
        var device = File.Exists("/proc/driver/nvidia/version") || File.Exists("/dev/nvidia0");
        return (device ? "An NVIDIA device is present, but this benchmark measures the CPU paths only. " : "No NVIDIA GPU on this machine. ")
            + "**The GPU has never been measured**: no figure in this file or the README is a GPU figure. "
            + "`scripts/gpu-bundle OUT` packs the service and its measuring program for a GPU machine without .NET, and "
            + "`scripts/gpu-run OUT RESULTS.md` measures there (the generators by batch 1, 4, 16, 64 through the service's own session "
            + "class, the service at concurrency 1, 8, 32); its results go here, with the machine named, once a run has been made.";
    }
}
