using Google.Protobuf;
using Onnx;
using Pix2Pix.Contracts;
using Pix2Pix.Training.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Export;

/// <summary>
/// Writes a <see cref="GeneratorNetwork"/> (a U-Net or a ResNet) as an ONNX graph by walking its module tree: Conv,
/// ConvTranspose, LeakyRelu, Relu, Tanh, Concat (the U-Net's skips), Pad in reflect mode and Add (the ResNet's blocks) and
/// the normalisation, chosen on purpose: batch norm becomes InstanceNormalization with gamma/beta under the paper's rule
/// (each image's own statistics) or BatchNormalization with the running averages. Dropout is left out (deterministic
/// output). Batch and spatial sizes are dynamic.
/// </summary>
public sealed class GeneratorExporter
{
    public const int Opset = 17;
    public const string Version = "1.0.0";
    public const string InputName = "input";
    public const string OutputName = "output";

    private readonly OnnxGraph graph;
    private readonly NormalizationAtTest normalization;

    private GeneratorExporter(bool fp16Weights, NormalizationAtTest normalization)
    {
        graph = new OnnxGraph(fp16Weights);
        this.normalization = normalization;
    }

    public static ModelProto Build(GeneratorNetwork generator, ModelCard card)
    {
        var exporter = new GeneratorExporter(card.Fp16Weights, card.NormalizationAtTest);
        exporter.graph.Input(InputName, card.InputChannels);
        var output = generator switch
        {
            UnetGenerator unet => exporter.Block(unet.Outermost, InputName, "g"),
            ResnetGenerator resnet => exporter.Sequence(resnet.Layers, InputName, "g"),
            _ => throw new NotSupportedException($"the ONNX exporter does not know generator {generator.GetType().Name}"),
        };
        exporter.graph.Node("Identity", [output], OutputName);
        exporter.graph.Output(OutputName, card.OutputChannels);
        var model = exporter.graph.Model(Opset, card.ToMetadata(), Version);
        return card.Float16Compute ? Float16Model.Convert(model) : model;
    }

    /// <summary>Writes the .onnx file and its JSON card beside it, each atomically.</summary>
    public static void Write(GeneratorNetwork generator, ModelCard card, string path)
    {
        var model = Build(generator, card);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        Training.AtomicFile.Write(path, p =>
        {
            using var stream = File.Create(p);
            model.WriteTo(stream);
        });
        Training.AtomicFile.WriteAllText(ModelCard.CardPath(path), card.ToJson());
    }

    private string Block(UnetSkipConnectionBlock block, string input, string prefix)
    {
        var value = Sequence(block.Layers, input, prefix);
        return block.IsOutermost ? value : graph.Node("Concat", [input, value], null, OnnxGraph.Int("axis", 1));
    }

    private string Sequence(IEnumerable<nn.Module<Tensor, Tensor>> layers, string input, string prefix)
    {
        var value = input;
        var index = 0;
        foreach (var layer in layers) value = Layer(layer, value, $"{prefix}.{index++}");
        return value;
    }

    private string Layer(nn.Module<Tensor, Tensor> layer, string input, string name) => layer switch
    {
        UnetSkipConnectionBlock inner => Block(inner, input, name),
        ResnetBlock block => graph.Node("Add", [input, Sequence(block.Layers, input, name + ".conv_block")]),
        ReflectionPad2d pad => graph.Node("Pad", [input, graph.Constant(name + ".pads", ReflectPads(pad.padding))], null, OnnxGraph.String("mode", "reflect")),
        Conv2d conv => graph.Node("Conv", WithBias([input, graph.Weight(name + ".weight", conv.weight!)], conv.bias, name), null,
            OnnxGraph.Ints("kernel_shape", conv.kernel_size!), OnnxGraph.Ints("strides", conv.stride!), OnnxGraph.Ints("pads", Pads(conv.padding!))),
        ConvTranspose2d deconv => graph.Node("ConvTranspose", WithBias([input, graph.Weight(name + ".weight", deconv.weight!)], deconv.bias, name), null,
            OnnxGraph.Ints("kernel_shape", deconv.kernel_size!), OnnxGraph.Ints("strides", deconv.stride!), OnnxGraph.Ints("pads", Pads(deconv.padding!)),
            OnnxGraph.Ints("output_padding", deconv.output_padding ?? [0, 0])),
        LeakyReLU => graph.Node("LeakyRelu", [input], null, OnnxGraph.Float("alpha", 0.2f)),
        ReLU => graph.Node("Relu", [input]),
        Tanh => graph.Node("Tanh", [input]),
        TestTimeBatchNorm2d norm => BatchNorm(norm, input, name),
        InstanceNorm2d instance => InstanceNorm(input, name, ones(instance.num_features), zeros(instance.num_features)),
        Dropout or Identity => input,
        _ => throw new NotSupportedException($"the ONNX exporter does not know layer {layer.GetName()} ({layer.GetType().Name})"),
    };

    private string BatchNorm(TestTimeBatchNorm2d norm, string input, string name) =>
        normalization == NormalizationAtTest.Image
            ? InstanceNorm(input, name, norm.Weight, norm.Bias)
            : graph.Node("BatchNormalization",
                [input, graph.Weight(name + ".weight", norm.Weight), graph.Weight(name + ".bias", norm.Bias),
                 graph.Weight(name + ".running_mean", norm.RunningMean), graph.Weight(name + ".running_var", norm.RunningVar)],
                null, OnnxGraph.Float("epsilon", (float)TestTimeBatchNorm2d.Epsilon));

    private string InstanceNorm(string input, string name, Tensor scale, Tensor bias) =>
        graph.Node("InstanceNormalization", [input, graph.Weight(name + ".weight", scale), graph.Weight(name + ".bias", bias)],
            null, OnnxGraph.Float("epsilon", (float)TestTimeBatchNorm2d.Epsilon));

    private List<string> WithBias(List<string> inputs, Tensor? bias, string name)
    {
        if (bias is not null) inputs.Add(graph.Weight(name + ".bias", bias));
        return inputs;
    }

    // ONNX pads are [top, left, bottom, right]; PyTorch's are symmetric per axis.
    private static long[] Pads(long[] padding) => [padding[0], padding[1], padding[0], padding[1]];

    // PyTorch pads the last axes as (left, right, top, bottom); ONNX's Pad takes the beginnings of N, C, H, W, then their ends.
    private static long[] ReflectPads(long[] padding) => [0, 0, padding[2], padding[0], 0, 0, padding[3], padding[1]];
}
