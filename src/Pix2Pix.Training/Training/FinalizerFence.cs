using System.Runtime;

namespace Pix2Pix.Training.Training;

/// <summary>
/// Keeps the GC, and so finalizers, away from LibTorch calls. TorchSharp turns numbers into temporary <c>Scalar</c>
/// objects on many calls (LeakyReLU's slope, Adam's update, operator overloads) and does not keep them alive across the
/// native call: a finalizer running meanwhile frees the scalar while LibTorch reads it (README, "Notes for contributors").
/// Steps call <see cref="Enter"/>: outside a no-GC region it collects, drains the finalizers and opens a 16 MB region; the
/// region ends by itself when its budget is spent, and the next step opens another. The region is small because the
/// kernel zeroes its fresh pages each time. The training CLI and its tests also run without background GC.
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
