using System.Diagnostics;
using Pix2Pix.Api.Inference;

namespace Pix2Pix.GpuRun;

/// <summary>What the run ran on: the GPU (from nvidia-smi, when there is one), the CPU, and whether CUDA was usable.</summary>
public static class Machine
{
    /// <summary>Why CUDA could not be used (the service's own check), or null on a usable GPU.</summary>
    public static string? WhyNoCuda => CudaProvider.WhyUnavailable;

    public static string Gpu()
    {
        try
        {
            var start = new ProcessStartInfo("nvidia-smi", "--query-gpu=name,memory.total,driver_version --format=csv,noheader") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var smi = Process.Start(start)!;
            var text = smi.StandardOutput.ReadToEnd().Trim();
            smi.WaitForExit();
            return smi.ExitCode == 0 && text.Length > 0 ? text.Replace("\n", "; ") : "none found (nvidia-smi failed)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "none found (no nvidia-smi)";
        }
    }

    public static string Cpu()
    {
        var model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{model ?? "unknown CPU"}, {Environment.ProcessorCount} cores visible";
    }
}
