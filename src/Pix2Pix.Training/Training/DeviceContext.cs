using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Training;

/// <summary>
/// Where training and inference compute: the reference's --gpu_ids resolved once (-1 the CPU, 0 the first GPU) and handed
/// to the networks, the batches, the image pool, the runner and the checkpoints, so that no tensor is made anywhere else.
/// </summary>
public sealed class DeviceContext
{
    private DeviceContext(Device device) => Device = device;

    public static DeviceContext Cpu { get; } = new(CPU);

    public Device Device { get; }

    public bool IsCuda => Device.type == DeviceType.CUDA;

    /// <summary>A context on any device LibTorch knows (tests use "meta", where every tensor is a shape without data).</summary>
    public static DeviceContext On(Device device) => device.type == DeviceType.CPU ? Cpu : new DeviceContext(device);

    /// <summary>The reference's --gpu_ids: "-1" is the CPU, "N" the N-th CUDA device; a GPU this process cannot use is an error.</summary>
    public static DeviceContext FromGpuIds(string gpuIds)
    {
        var ids = gpuIds.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (ids.Length == 0 || ids.Any(id => !int.TryParse(id, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            throw new UserInputException($"--gpu_ids {gpuIds}: give -1 for the CPU or one GPU number, e.g. 0");
        }

        var gpus = ids.Select(id => int.Parse(id, CultureInfo.InvariantCulture)).Where(id => id >= 0).Distinct().ToArray();
        if (gpus.Length == 0) return Cpu;
        if (gpus.Length > 1) throw new UserInputException($"--gpu_ids {gpuIds}: training on several GPUs at once is not implemented here; pass one id, e.g. --gpu_ids {gpus[0]}");
        if (!cuda.is_available())
        {
            throw new UserInputException($"--gpu_ids {gpuIds}: no CUDA GPU is available to this process (a TorchSharp-cpu build, or no NVIDIA driver); build with -p:TorchBackend=cuda on a GPU host, or pass --gpu_ids -1 for the CPU");
        }

        var count = cuda.device_count();
        if (gpus[0] >= count) throw new UserInputException($"--gpu_ids {gpuIds}: this machine has {count} CUDA device(s), numbered from 0");
        return new DeviceContext(CUDA(gpus[0]));
    }

    private static Device CUDA(int index) => new(DeviceType.CUDA, index);

    /// <summary>The tensor moved onto this device (a new tensor), or itself when it is there already.</summary>
    public Tensor Put(Tensor tensor) =>
        tensor.device_type == Device.type && (Device.type == DeviceType.CPU || tensor.device_index == Device.index) ? tensor : tensor.to(Device);

    /// <summary>The module with its parameters and buffers on this device; call before an optimiser takes its parameters.</summary>
    public T Hold<T>(T module) where T : nn.Module
    {
        if (Device.type != DeviceType.CPU) module.to(Device);
        return module;
    }

    /// <summary>
    /// TorchSharp exposes no state of CUDA's random generator (dropout's, on a GPU) to save with a checkpoint, so at every
    /// checkpoint, in an uninterrupted run and in a resumed one alike, it is re-seeded from (seed, step): a resumed run draws
    /// what the uninterrupted one did. The CPU's generator is saved in the checkpoint instead, as it always was.
    /// </summary>
    public void ReseedAt(int seed, long step)
    {
        if (IsCuda) cuda.manual_seed_all(unchecked(seed * 1_000_003L + step));
    }

    public override string ToString() => IsCuda ? $"GPU {Device.index} (CUDA)" : Device.type == DeviceType.CPU ? $"the CPU ({get_num_threads()} threads)" : Device.ToString();
}
