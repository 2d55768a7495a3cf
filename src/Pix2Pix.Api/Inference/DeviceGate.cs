using System.Collections.Concurrent;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// One lock per GPU that every CUDA session of the process takes around whatever it asks of the device: opening, warming
/// up, runs, its buffers. Sessions run concurrently on one GPU failed here: on an H200 under load, 124 and 144 requests of
/// about 26,000 and 19,000 failed with CUDA error 900, "operation not permitted when stream is capturing" (ONNX Runtime
/// issue 18806 reports the same with parallel sessions and I/O binding), while one session at a time never failed in
/// thousands of runs. The GPU runs one batch at a time anyway; the sessions still gather and copy their batches in parallel.
/// </summary>
internal static class DeviceGate
{
    private static readonly ConcurrentDictionary<int, object> Gates = new();

    /// <summary>The lock of CUDA device <paramref name="device"/>.</summary>
    public static object For(int device) => Gates.GetOrAdd(device, _ => new object());
}
