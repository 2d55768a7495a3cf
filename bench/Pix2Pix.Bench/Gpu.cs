namespace Pix2Pix.Bench;

/// <summary>Section 5 runs only where an NVIDIA GPU and the CUDA 13 libraries ONNX Runtime's CUDA provider needs are present.</summary>
public static class Gpu
{
    public static string Describe()
    {
        var device = File.Exists("/proc/driver/nvidia/version") || File.Exists("/dev/nvidia0");
        return device
            ? "An NVIDIA device is present, but this benchmark measures the CPU paths only; the CUDA provider's figures are not collected here."
            : "Skipped: no NVIDIA GPU on this machine (no /dev/nvidia0). The service's CUDA path is exercised where one is present (see the README).";
    }
}
