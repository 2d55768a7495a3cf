using Pix2Pix.Contracts;
using Pix2Pix.Training.Data;
using Pix2Pix.Training.Inference;
using Pix2Pix.Training.Models;
using Pix2Pix.Training.Options;
using Pix2Pix.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Tests;

/// <summary>
/// The device --gpu_ids chooses reaches every tensor. No GPU here, so the plumbing is checked on LibTorch's "meta" device,
/// where tensors have shapes but no data: a tensor left on the CPU anywhere in a forward pass is an error there, as it
/// would be on a GPU.
/// </summary>
public class DeviceContextTests
{
    private static readonly NetworkOptions Small = new() { NetG = "unet_128", Ngf = 8, Ndf = 8 };
    private static readonly DeviceContext Meta = DeviceContext.On(new Device(DeviceType.META, -1));

    [Theory]
    [InlineData("-1")]
    [InlineData("-1,-1")]
    [InlineData(" -1 ")]
    public void Gpu_ids_minus_one_is_the_CPU(string ids) => Assert.Same(DeviceContext.Cpu, DeviceContext.FromGpuIds(ids));

    [Fact]
    public void Gpu_ids_0_is_the_first_GPU_and_without_one_training_stops_in_one_line_with_exit_code_2()
    {
        if (cuda.is_available())
        {
            // A CUDA build on a GPU host: 0 is that GPU.
            Assert.Equal((DeviceType.CUDA, 0), (DeviceContext.FromGpuIds("0").Device.type, DeviceContext.FromGpuIds("0").Device.index));
            return;
        }

        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 1, 128, 128);

        var result = Cli.Run(["train", "--dataroot", temp["data"], "--name", "gpu", "--checkpoints_dir", temp["runs"], "--gpu_ids", "0"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("pix2pix train: --gpu_ids 0: no CUDA GPU is available to this process (a TorchSharp-cpu build, or no NVIDIA driver); build with -p:TorchBackend=cuda on a GPU host, or pass --gpu_ids -1 for the CPU", result.Error.Trim());
        Assert.False(Directory.Exists(temp["runs"]) && Directory.EnumerateFileSystemEntries(temp["runs"]).Any());
    }

    [Theory]
    [InlineData("0,1", "training on several GPUs at once is not implemented here")]
    [InlineData("gpu", "give -1 for the CPU or one GPU number")]
    public void A_GPU_this_process_cannot_use_is_a_one_line_error(string ids, string expected)
    {
        var error = Assert.Throws<UserInputException>(() => DeviceContext.FromGpuIds(ids));

        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void The_networks_their_buffers_and_the_batches_are_made_on_the_contexts_device()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 2, 128, 128);
        var data = new DataOptions { Dataroot = temp["data"], Preprocess = Preprocess.None };
        using var model = new Pix2PixModel(Small, new TrainOptions { Name = "meta" }, Meta);
        var batches = new PairBatches(new AlignedPairDataset(data, Small), 2, 0, false, Small, Meta);

        using var batch = batches.Epoch(1).Single();

        var tensors = new[] { model.Generator, model.Discriminator }.SelectMany(m => m.parameters().Concat(m.buffers())).Concat([batch.RealA, batch.RealB]).ToArray();
        Assert.True(tensors.Length > 50, $"{tensors.Length} tensors");
        Assert.All(tensors, t => Assert.Equal(DeviceType.META, t.device_type));
    }

    [Fact]
    public void The_runner_moves_its_generator_and_each_input_to_the_device()
    {
        // LibTorch has no convolution for "meta"; a generator that only negates shows where the runner's tensors are.
        var generator = new Negation();
        using var runner = new GeneratorRunner(generator, 3, 128, NormalizationAtTest.Image, Meta);
        using var input = zeros(1, 3, 128, 128);

        using var output = runner.Forward(input);

        Assert.Equal((DeviceType.META, DeviceType.META), (generator.Seen, output.device_type));
        Assert.Equal(DeviceType.META, generator.parameters().Single().device_type);
    }

    private sealed class Negation : GeneratorNetwork
    {
        private readonly TorchSharp.Modules.Parameter scale = new(ones(1));

        public Negation() : base(nameof(Negation)) => register_parameter("scale", scale);

        public DeviceType? Seen { get; private set; }

        public override int SizeMultiple => 1;

        public override ConvolutionMode Convolutions { get; set; } = ConvolutionMode.Native;

        public override Tensor forward(Tensor input)
        {
            Seen = input.device_type;
            return input.mul(scale).neg();
        }
    }
}
