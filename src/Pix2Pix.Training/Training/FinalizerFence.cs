using System.Runtime;

namespace Pix2Pix.Training.Training;

/// <summary>
/// Keeps the GC, and so finalizers, away from LibTorch calls. TorchSharp turns numbers into temporary
/// <c>Scalar</c> objects on many calls (LeakyReLU's slope, Adam's update, operator overloads) and does not
/// keep them alive across the native call; a GC on another thread at that moment lets the finalizer free the
/// scalar while LibTorch reads it. Seen here twice: "alpha must not be a floating point number" and a
/// LeakyReLU failing in Scalar::toFloat 1,263 steps into a run. Steps call <see cref="Enter"/>: outside a
/// no-GC region it collects, drains the finalizers and opens a 16 MB region; the region ends by itself when
/// its budget is spent, and the next step opens another. Measured on OpenMoji 128 px: 4.0 img/s with it,
/// 3.5 without; a 240 MB region halved the speed (the kernel zeroing fresh pages). The training CLI and its
/// tests also run without background GC.
/// </summary>
public static class FinalizerFence
{
    private const long Budget = 16L * 1024 * 1024;

    public static void Enter()
    {
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) return;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        try
        {
            GC.TryStartNoGCRegion(Budget, disallowFullBlockingGC: true);
        }
        catch (InvalidOperationException)
        {
            // Another thread opened a region meanwhile: it protects us as well.
        }
        catch (ArgumentOutOfRangeException)
        {
            // This GC configuration cannot promise the budget; the collection above still helps.
        }
    }
}
