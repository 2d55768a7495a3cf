using System.Runtime.InteropServices;

namespace Pix2Pix.Training.Models;

/// <summary>
/// Turns off LibTorch's NNPACK convolutions, as <c>torch.backends.nnpack.set_flags(False)</c> does in PyTorch (TorchSharp
/// has no binding for it). LibTorch asks for NNPACK on every convolution oneDNN does not take (float64 ones, for the checks
/// in <see cref="ConvolutionCheck"/>), and on a CPU NNPACK does not know (an AMD EPYC of family 26) the first ask prints
/// "Could not initialize NNPACK! Reason: Unsupported hardware." to the standard error of every training run. NNPACK would
/// take only float32 convolutions on batches of 16 or more that oneDNN has not already taken. Process-wide, once.
/// </summary>
internal static class Nnpack
{
    private static int done;

    public static void TurnOff()
    {
        if (Interlocked.Exchange(ref done, 1) == 1) return;
        try
        {
            SetUserEnabledNnpack(GlobalContext(), false);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // A LibTorch without these symbols: it may print the warning, nothing else changes.
        }
    }

    // at::globalContext() and at::Context::setUserEnabledNNPACK(bool), exported by libtorch_cpu.
    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);
}
