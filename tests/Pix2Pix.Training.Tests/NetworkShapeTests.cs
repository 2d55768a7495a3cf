using Pix2Pix.Training.Models;
using Pix2Pix.Training.Options;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Tests;

public class NetworkShapeTests
{
    [Fact]
    public void The_paper_generator_and_discriminator_have_the_reference_parameter_counts()
    {
        var options = new NetworkOptions();
        using var generator = Networks.CreateGenerator(options);
        using var discriminator = Networks.CreateDiscriminator(options);

        Assert.Equal(54_413_955, Networks.CountParameters(generator));
        Assert.Equal(2_768_705, Networks.CountParameters(discriminator));
    }

    [Theory]
    [InlineData("resnet_9blocks", 11_378_179)]   // the reference's CycleGAN generator: "11.378 M"
    [InlineData("resnet_6blocks", 7_837_699)]
    public void The_ResNet_generators_with_instance_norm_have_the_reference_parameter_counts_and_its_state_dict_keys(string netG, long count)
    {
        using var generator = Networks.CreateGenerator(new NetworkOptions { NetG = netG, Norm = NormKind.Instance });

        Assert.Equal(count, Networks.CountParameters(generator));
        var keys = generator.state_dict().Keys.ToArray();
        // The reference's names: model.N for the sequence, model.N.conv_block.M inside a residual block.
        Assert.Contains("model.1.weight", keys);
        Assert.Contains("model.10.conv_block.1.weight", keys);
        Assert.Contains("model.10.conv_block.6.weight", keys);   // after the block's dropout (index 4)
    }

    [Fact]
    public void Summary_prints_the_counts_the_score_map_and_the_receptive_field()
    {
        var result = Cli.Run("summary", "--netG", "unet_256", "--ngf", "64", "--netD", "basic", "--ndf", "64", "--crop_size", "256");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("54,413,955", result.Output);
        Assert.Contains("2,768,705", result.Output);
        Assert.Contains("30x30", result.Output);
        Assert.Contains("receptive field of each output: 70x70", result.Output);
    }

    [Fact]
    public void Each_discriminator_score_depends_on_exactly_a_70_by_70_patch_of_its_input()
    {
        using var discriminator = (PatchDiscriminator)Networks.CreateDiscriminator(new NetworkOptions());
        discriminator.eval(); // running statistics keep every score local to its patch
        using var scope = NewDisposeScope();
        var input = randn(1, 6, 256, 256).requires_grad_(true);
        var scores = discriminator.forward(input);
        Assert.Equal([1L, 1, 30, 30], scores.shape);

        scores[0, 0, 15, 15].backward();
        var touched = input.grad!.abs().sum([0L, 1L]) > 0;
        var rows = touched.any(1L).nonzero().flatten();
        var columns = touched.any(0L).nonzero().flatten();

        Assert.Equal(70, rows[-1].item<long>() - rows[0].item<long>() + 1);
        Assert.Equal(70, columns[-1].item<long>() - columns[0].item<long>() + 1);
        Assert.Equal(70L * 70, touched.sum().item<long>());
        Assert.Equal(70, discriminator.ReceptiveField);
    }

    [Fact]
    public void The_pixel_discriminator_judges_every_pixel_on_its_own()
    {
        using var discriminator = Networks.CreateDiscriminator(new NetworkOptions { NetD = "pixel" });
        discriminator.eval();
        using var scope = NewDisposeScope();
        var input = randn(1, 6, 32, 32).requires_grad_(true);
        var scores = discriminator.forward(input);
        Assert.Equal([1L, 1, 32, 32], scores.shape);

        scores[0, 0, 10, 20].backward();
        Assert.Equal(1, (input.grad!.abs().sum([0L, 1L]) > 0).sum().item<long>());
    }

    [Theory]
    [InlineData("unet_256", 256)]
    [InlineData("unet_128", 128)]
    [InlineData("resnet_9blocks", 64)]
    [InlineData("resnet_6blocks", 36)]
    public void The_generator_keeps_the_input_size_and_stays_within_minus_one_to_one(string netG, int size)
    {
        using var generator = Networks.CreateGenerator(new NetworkOptions { NetG = netG, Ngf = 8 });
        using var scope = NewDisposeScope();
        var output = generator.forward(randn(2, 3, size, size));

        Assert.Equal([2L, 3, size, size], output.shape);
        Assert.True(output.abs().max().item<float>() <= 1f);
    }

    [Fact]
    public void The_generator_refuses_sides_that_are_not_multiples_of_its_depth_with_the_reason()
    {
        using var generator = Networks.CreateGenerator(new NetworkOptions { NetG = "unet_128", Ngf = 8 });
        using var scope = NewDisposeScope();

        var error = Assert.Throws<ArgumentException>(() => generator.forward(randn(1, 3, 100, 128)));
        Assert.Contains("multiples of 128", error.Message);
    }

    [Fact]
    public void Convolutions_before_batch_norm_have_no_bias_and_with_instance_norm_they_do()
    {
        using var batch = Networks.CreateGenerator(new NetworkOptions { Ngf = 8 });
        using var instance = Networks.CreateGenerator(new NetworkOptions { Ngf = 8, Norm = NormKind.Instance });
        var batchBiases = batch.named_parameters().Select(p => p.name).Where(n => n.EndsWith(".bias")).ToArray();
        var instanceBiases = instance.named_parameters().Select(p => p.name).Where(n => n.EndsWith(".bias")).ToArray();

        // With batch norm only the norms' betas and the outermost ConvTranspose carry a bias.
        Assert.Contains("model.model.3.bias", batchBiases);
        Assert.DoesNotContain("model.model.0.bias", batchBiases);
        Assert.Contains("model.model.0.bias", instanceBiases);
        Assert.Equal(16, instanceBiases.Length); // 8 down + 8 up convolutions
    }

    [Fact]
    public void Unnormalised_levels_take_the_norms_out_of_the_innermost_levels_only_and_give_their_convolutions_biases()
    {
        using var reference = Networks.CreateGenerator(new NetworkOptions { NetG = "unet_128", Ngf = 8 });
        using var generator = Networks.CreateGenerator(new NetworkOptions { NetG = "unet_128", Ngf = 8, UnnormalisedLevels = 3 });
        static string[] Norms(GeneratorNetwork g) => g.named_modules().Where(m => m.module is TestTimeBatchNorm2d).Select(m => m.name).ToArray();
        static string[] Biased(GeneratorNetwork g) => g.named_modules()
            .Where(m => m.module is TorchSharp.Modules.Conv2d { bias: not null } or TorchSharp.Modules.ConvTranspose2d { bias: not null }).Select(m => m.name).ToArray();

        // unet_128's levels from the outside in (each inner one is its parent's model.3): 128², 64², 32², 16², then the
        // three innermost at 8², 4² and 2². It normalises after both convolutions of the 5 middle levels and after the
        // innermost's up-convolution: 11 norms. Without them in the three innermost levels, 6 stay (those of the outer
        // ones), and those levels' 6 convolutions get the bias that a norm's beta stood for.
        const string fourth = "model.model.1.model.3.model.3", fifth = fourth + ".model.3";
        Assert.Equal(11, Norms(reference).Length);
        Assert.Equal(6, Norms(generator).Length);
        Assert.DoesNotContain(Norms(generator), n => n.StartsWith(fifth + "."));
        Assert.Contains(fourth + ".model.2", Norms(generator));
        Assert.Contains(fourth + ".model.6", Norms(generator));
        Assert.Equal(["model.model.3"], Biased(reference));   // the outermost up-convolution, before no norm
        Assert.Equal(7, Biased(generator).Length);
        Assert.Contains(fifth + ".model.3.model.3.model.1", Biased(generator));   // the innermost's down-convolution
        Assert.DoesNotContain(fourth + ".model.1", Biased(generator));

        using var scope = NewDisposeScope();
        Assert.Equal([1L, 3, 128, 128], generator.forward(randn(1, 3, 128, 128)).shape);
    }

    [Fact]
    public void Unnormalised_levels_are_part_of_the_architecture_and_a_U_Net_has_at_most_those_inside_its_outermost()
    {
        Assert.Equal("unnormalised_levels 0 vs 3", new NetworkOptions { UnnormalisedLevels = 3 }.DescribeMismatch(new NetworkOptions()));
        Assert.Equal("batch, none in the 3 innermost levels", new NetworkOptions { UnnormalisedLevels = 3 }.DescribeGeneratorNorm());
        Assert.Equal("batch", new NetworkOptions().DescribeGeneratorNorm());
        new NetworkOptions { NetG = "unet_128", UnnormalisedLevels = 6 }.Validate();
        Assert.Contains("unet_128 has 6 levels inside its outermost", Assert.Throws<UserInputException>(() => new NetworkOptions { NetG = "unet_128", UnnormalisedLevels = 7 }.Validate()).Message);
        Assert.Contains("for the U-Net generators, not resnet_9blocks", Assert.Throws<UserInputException>(() => new NetworkOptions { NetG = "resnet_9blocks", UnnormalisedLevels = 1 }.Validate()).Message);
        Assert.Contains("must be 0 or more", Assert.Throws<UserInputException>(() => new NetworkOptions { UnnormalisedLevels = -1 }.Validate()).Message);
    }

    [Fact]
    public void State_dict_keys_nest_like_the_reference_checkpoints()
    {
        using var generator = Networks.CreateGenerator(new NetworkOptions());
        var keys = generator.state_dict().Keys.ToHashSet();

        Assert.Contains("model.model.0.weight", keys);
        Assert.Contains("model.model.1.model.1.weight", keys);
        Assert.Contains("model.model.1.model.2.running_mean", keys);
        Assert.Contains("model.model.1.model.3.model.3.model.3.model.3.model.3.model.3.model.1.weight", keys);
        Assert.Contains("model.model.1.model.2.num_batches_tracked", keys);
    }

    [Fact]
    public void Weights_start_as_the_reference_initialises_them()
    {
        manual_seed(7);
        using var generator = Networks.CreateGenerator(new NetworkOptions());
        using var scope = NewDisposeScope();
        var conv = generator.state_dict()["model.model.1.model.3.model.1.weight"];
        var gamma = generator.state_dict()["model.model.1.model.2.weight"];

        Assert.InRange(conv.mean().item<float>(), -0.001f, 0.001f);
        Assert.InRange(conv.std().item<float>(), 0.019f, 0.021f);
        Assert.InRange(gamma.mean().item<float>(), 0.99f, 1.01f);
        Assert.InRange(gamma.std().item<float>(), 0.015f, 0.025f);
    }
}
