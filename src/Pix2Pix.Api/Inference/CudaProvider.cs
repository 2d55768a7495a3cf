using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// ONNX Runtime's CUDA execution provider: whether its libraries load on this host, looked at once before any session
/// appends it (a host without them gets the service's one warning, not ONNX Runtime's own error line as well), and its
/// options from configuration.
/// </summary>
public static class CudaProvider
{
    /// <summary>
    /// What Microsoft.ML.OnnxRuntime.Gpu 1.31's CUDA provider needs besides itself: the CUDA 13 runtime, cuBLAS and cuRAND
    /// (its ELF dependencies), cuDNN 9 (opened when a session starts), and the driver.
    /// </summary>
    private static readonly string[] Libraries =
        ["libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10", "libcudnn.so.9"];

    private static readonly Lazy<string?> Missing = new(Probe);

    /// <summary>Why CUDA cannot run here (the first library that does not load), or null when everything it needs loads.</summary>
    public static string? WhyUnavailable => Missing.Value;

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return null;   // elsewhere ONNX Runtime's own attempt says what is missing
        // Beside the app (a build for linux-x64), or under runtimes/<rid>/native (a build without a runtime identifier).
        var provider = Directory.EnumerateFiles(AppContext.BaseDirectory, "libonnxruntime_providers_cuda.so", SearchOption.AllDirectories).FirstOrDefault();
        if (provider is null) return "this build has no CUDA provider library (libonnxruntime_providers_cuda.so)";
        foreach (var library in Libraries)
        {
            // Loaded libraries stay loaded: ONNX Runtime opens the same ones next.
            if (!NativeLibrary.TryLoad(library, out _)) return $"{library} does not load (no NVIDIA driver, or CUDA 13/cuDNN 9 not on the library path)";
        }

        return null;
    }

    /// <summary>The provider's options as ONNX Runtime names them, from <paramref name="options"/>.</summary>
    public static Dictionary<string, string> OptionsFor(InferenceOptions options) => new()
    {
        ["device_id"] = options.CudaDeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["cudnn_conv_algo_search"] = options.CudnnConvAlgoSearch,
        ["cudnn_conv_use_max_workspace"] = options.CudnnConvUseMaxWorkspace ? "1" : "0",
        ["arena_extend_strategy"] = options.ArenaExtendStrategy,
        // 0 means no limit, which ONNX Runtime spells as the largest size_t.
        ["gpu_mem_limit"] = options.GpuMemLimitMegabytes > 0 ? (options.GpuMemLimitMegabytes * 1024L * 1024L).ToString(System.Globalization.CultureInfo.InvariantCulture) : ulong.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Appends the CUDA provider with the configured options to <paramref name="session"/>.</summary>
    public static void Append(Microsoft.ML.OnnxRuntime.SessionOptions session, InferenceOptions options)
    {
        using var cuda = new OrtCUDAProviderOptions();
        cuda.UpdateOptions(OptionsFor(options));
        session.AppendExecutionProvider_CUDA(cuda);
    }
}
