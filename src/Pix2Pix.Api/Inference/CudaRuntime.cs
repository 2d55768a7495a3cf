using System.Runtime.InteropServices;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// The few calls of the CUDA 13 runtime (libcudart.so.13, which ONNX Runtime's CUDA provider loads too) that a session's
/// pinned batches need: device buffers, page-locking host ones, and the copies between them. Only called once
/// <see cref="CudaProvider.WhyUnavailable"/> has found the library.
/// </summary>
internal static class CudaRuntime
{
    private const string Library = "libcudart.so.13";

    private enum CopyKind
    {
        HostToDevice = 1,
        DeviceToHost = 2,
    }

    /// <summary>A CUDA runtime call that did not return cudaSuccess.</summary>
    public sealed class CudaException(string call, int code)
        : Exception($"{call} failed: CUDA error {code} ({Marshal.PtrToStringAnsi(cudaGetErrorString(code)) ?? "unknown"})");

    public static IntPtr DeviceBuffer(int device, long bytes)
    {
        UseDevice(device);
        Check(nameof(cudaMalloc), cudaMalloc(out var buffer, (nuint)bytes));
        return buffer;
    }

    /// <summary>
    /// Page-locks a managed array allocated on the pinned object heap (it never moves) for DMA to and from
    /// <paramref name="device"/> (registered as page-locked for that device's context).
    /// </summary>
    public static void PageLock(int device, float[] pinnedArray)
    {
        UseDevice(device);
        Check(nameof(cudaHostRegister), cudaHostRegister(Marshal.UnsafeAddrOfPinnedArrayElement(pinnedArray, 0), (nuint)((long)pinnedArray.Length * sizeof(float)), 0));
    }

    public static void Unlock(int device, float[] pinnedArray)
    {
        UseDevice(device);
        _ = cudaHostUnregister(Marshal.UnsafeAddrOfPinnedArrayElement(pinnedArray, 0));
    }

    public static void FreeDevice(int device, IntPtr buffer)
    {
        UseDevice(device);
        _ = cudaFree(buffer);
    }

    /// <summary>Copies host to device and returns when the copy is done (page-locked source: by DMA, synchronous).</summary>
    public static void ToDevice(int device, IntPtr destination, IntPtr source, long bytes)
    {
        UseDevice(device);
        Check(nameof(cudaMemcpy), cudaMemcpy(destination, source, (nuint)bytes, CopyKind.HostToDevice));
    }

    /// <summary>Copies device to host and returns when the copy is done.</summary>
    public static void ToHost(int device, IntPtr destination, IntPtr source, long bytes)
    {
        UseDevice(device);
        Check(nameof(cudaMemcpy), cudaMemcpy(destination, source, (nuint)bytes, CopyKind.DeviceToHost));
    }

    // The current device is per thread, and a batcher's worker may continue on any thread of the pool.
    private static void UseDevice(int device) => Check(nameof(cudaSetDevice), cudaSetDevice(device));

    private static void Check(string call, int code)
    {
        if (code != 0) throw new CudaException(call, code);
    }

    [DllImport(Library)]
    private static extern int cudaSetDevice(int device);

    [DllImport(Library)]
    private static extern int cudaMalloc(out IntPtr buffer, nuint bytes);

    [DllImport(Library)]
    private static extern int cudaFree(IntPtr buffer);

    [DllImport(Library)]
    private static extern int cudaHostRegister(IntPtr host, nuint bytes, uint flags);

    [DllImport(Library)]
    private static extern int cudaHostUnregister(IntPtr host);

    [DllImport(Library)]
    private static extern int cudaMemcpy(IntPtr destination, IntPtr source, nuint bytes, CopyKind kind);

    [DllImport(Library)]
    private static extern IntPtr cudaGetErrorString(int code);
}
