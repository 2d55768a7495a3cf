using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// One batch size's buffers on a CUDA session: the input and output on the device, bound to the session (I/O binding), so
/// ONNX Runtime copies nothing itself, and a page-locked host twin of each (arrays on the pinned object heap, registered
/// with CUDA), which the device reads and writes by DMA. The batcher writes a batch straight into <see cref="Input"/> and
/// reads the answers from <see cref="Output"/>.
/// </summary>
/// <remarks>
/// ONNX Runtime 1.31 cannot bind its own CUDA-pinned memory: the run fails in its CUDA data transfer with
/// "dst_data != src_data" (seen on an H200), so the page-locked buffers here are never shown to ONNX Runtime.
/// </remarks>
internal sealed class PinnedBatch : IDisposable
{
    private readonly int device;
    private IntPtr deviceInput;
    private IntPtr deviceOutput;
    private bool inputLocked;
    private bool outputLocked;
    private OrtValue? input;
    private OrtValue? output;
    private OrtIoBinding? binding;

    public PinnedBatch(InferenceSession session, int device, long[] inputShape, long[] outputShape)
    {
        this.device = device;
        Input = GC.AllocateUninitializedArray<float>(checked((int)inputShape.Aggregate(1L, (n, d) => n * d)), pinned: true);
        Output = GC.AllocateUninitializedArray<float>(checked((int)outputShape.Aggregate(1L, (n, d) => n * d)), pinned: true);
        try
        {
            CudaRuntime.PageLock(device, Input);
            inputLocked = true;
            CudaRuntime.PageLock(device, Output);
            outputLocked = true;
            deviceInput = CudaRuntime.DeviceBuffer(device, InputBytes);
            deviceOutput = CudaRuntime.DeviceBuffer(device, OutputBytes);
            using var onDevice = new OrtMemoryInfo("Cuda", OrtAllocatorType.DeviceAllocator, device, OrtMemType.Default);
            input = OrtValue.CreateTensorValueWithData(onDevice, TensorElementType.Float, inputShape, deviceInput, InputBytes);
            output = OrtValue.CreateTensorValueWithData(onDevice, TensorElementType.Float, outputShape, deviceOutput, OutputBytes);
            binding = session.CreateIoBinding();
            binding.BindInput(GeneratorSession.InputName, input);
            binding.BindOutput(GeneratorSession.OutputName, output);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The batch's input, page-locked: what is written here goes to the device by DMA.</summary>
    public float[] Input { get; }

    /// <summary>The batch's output after <see cref="Run"/>, page-locked.</summary>
    public float[] Output { get; }

    private long InputBytes => (long)Input.Length * sizeof(float);
    private long OutputBytes => (long)Output.Length * sizeof(float);

    /// <summary>Copies <see cref="Input"/> to the device, runs the session on it and copies the answer into <see cref="Output"/>.</summary>
    public void Run(InferenceSession session, RunOptions runOptions)
    {
        CudaRuntime.ToDevice(device, deviceInput, Marshal.UnsafeAddrOfPinnedArrayElement(Input, 0), InputBytes);
        session.RunWithBinding(runOptions, binding!);
        binding!.SynchronizeBoundOutputs();
        CudaRuntime.ToHost(device, Marshal.UnsafeAddrOfPinnedArrayElement(Output, 0), deviceOutput, OutputBytes);
    }

    public void Dispose()
    {
        binding?.Dispose();
        input?.Dispose();
        output?.Dispose();
        (binding, input, output) = (null, null, null);
        foreach (var buffer in new[] { deviceInput, deviceOutput }.Where(b => b != IntPtr.Zero)) CudaRuntime.FreeDevice(device, buffer);
        (deviceInput, deviceOutput) = (IntPtr.Zero, IntPtr.Zero);
        if (inputLocked) CudaRuntime.Unlock(device, Input);
        if (outputLocked) CudaRuntime.Unlock(device, Output);
        (inputLocked, outputLocked) = (false, false);
    }
}
