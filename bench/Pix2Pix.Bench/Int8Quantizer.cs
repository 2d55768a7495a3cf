using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Pix2Pix.Bench;

/// <summary>
/// Static int8 quantisation of an exported generator in the QDQ format ONNX Runtime's CPU provider fuses into
/// QLinearConv: every Conv/ConvTranspose gets QuantizeLinear→DequantizeLinear on its input and output (uint8,
/// asymmetric, from min/max calibrated on real images), int8 weights (symmetric, per output channel) and int32
/// bias (scale = input scale × weight scale), as ORT's Python quantize_static does. Everything else stays float.
/// </summary>
public static class Int8Quantizer
{
    public static byte[] Quantize(byte[] floatModel, IReadOnlyList<float[]> calibration, long[] inputShape)
    {
        var model = ModelProto.Parser.ParseFrom(floatModel);
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var convs = graph.Node.Where(n => n.OpType is "Conv" or "ConvTranspose" && initializers.ContainsKey(n.Input[1])).ToList();
        var ranges = Calibrate(model, convs.SelectMany(n => new[] { n.Input[0], n.Output[0] }).Distinct().ToList(), calibration, inputShape);

        var nodes = new List<NodeProto>();
        var activations = new Dictionary<string, (string Dequantized, float Scale)>();
        foreach (var node in graph.Node)
        {
            if (!convs.Contains(node))
            {
                nodes.Add(node);
                continue;
            }

            var input = node.Input[0];
            if (!activations.TryGetValue(input, out var x))
            {
                x = FakeQuantize(graph, nodes, input, ranges[input]);
                activations[input] = x;
            }

            node.Input[0] = x.Dequantized;
            var weight = initializers[node.Input[1]];
            var axis = node.OpType == "Conv" ? 0 : 1;
            var weightScales = QuantizeWeight(graph, nodes, node, weight, axis);
            if (node.Input.Count > 2 && initializers.TryGetValue(node.Input[2], out var bias)) QuantizeBias(graph, nodes, node, bias, weightScales.Select(s => s * x.Scale).ToArray());

            var output = node.Output[0];
            node.Output[0] = output + "_float";
            nodes.Add(node);
            var y = FakeQuantize(graph, nodes, node.Output[0], ranges[output], output);
            activations[output] = y;
        }

        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        return model.ToByteArray();
    }

    /// <summary>Min and max of each named tensor over the calibration inputs (0 always included, as uint8 needs an exact zero).</summary>
    private static Dictionary<string, (float Min, float Max)> Calibrate(ModelProto model, IReadOnlyList<string> tensors, IReadOnlyList<float[]> inputs, long[] shape)
    {
        var probe = model.Clone();
        foreach (var name in tensors.Where(n => probe.Graph.Output.All(o => o.Name != n)))
        {
            probe.Graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
        }

        using var session = new InferenceSession(probe.ToByteArray());
        var ranges = tensors.ToDictionary(t => t, _ => (Min: 0f, Max: 0f));
        foreach (var values in inputs)
        {
            using var input = OrtValue.CreateTensorValueFromMemory(values, shape);
            using var run = new RunOptions();
            using var results = session.Run(run, [session.InputNames[0]], [input], tensors.ToArray());
            for (var i = 0; i < tensors.Count; i++)
            {
                var data = results[i].GetTensorDataAsSpan<float>();
                var (min, max) = ranges[tensors[i]];
                foreach (var v in data) { if (v < min) min = v; if (v > max) max = v; }
                ranges[tensors[i]] = (min, max);
            }
        }

        return ranges;
    }

    // QuantizeLinear → DequantizeLinear of a float tensor; the dequantized copy is named `output` when given.
    private static (string Dequantized, float Scale) FakeQuantize(GraphProto graph, List<NodeProto> nodes, string tensor, (float Min, float Max) range, string? output = null)
    {
        var scale = Math.Max((range.Max - range.Min) / 255f, 1e-8f);
        var zeroPoint = (byte)Math.Clamp(MathF.Round(-range.Min / scale), 0, 255);
        var scaleName = Add(graph, Scalar(tensor + "_scale", scale));
        var zeroName = Add(graph, new TensorProto { Name = tensor + "_zero_point", DataType = (int)TensorProto.Types.DataType.Uint8, RawData = ByteString.CopyFrom(zeroPoint) });
        var quantized = tensor + "_quantized";
        var dequantized = output ?? tensor + "_dequantized";
        nodes.Add(new NodeProto { OpType = "QuantizeLinear", Name = quantized + "_QuantizeLinear", Input = { tensor, scaleName, zeroName }, Output = { quantized } });
        nodes.Add(new NodeProto { OpType = "DequantizeLinear", Name = dequantized + "_DequantizeLinear", Input = { quantized, scaleName, zeroName }, Output = { dequantized } });
        return (dequantized, scale);
    }

    private static float[] QuantizeWeight(GraphProto graph, List<NodeProto> nodes, NodeProto conv, TensorProto weight, int axis)
    {
        var values = FloatValues(weight);
        var dims = weight.Dims.ToArray();
        var channels = (int)dims[axis];
        var inner = (int)dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        int Channel(int i) => i / inner % channels;
        var scales = new float[channels];
        for (var i = 0; i < values.Length; i++) scales[Channel(i)] = Math.Max(scales[Channel(i)], Math.Abs(values[i]));
        for (var c = 0; c < channels; c++) scales[c] = Math.Max(scales[c] / 127f, 1e-12f);
        var quantized = values.Select((v, i) => (sbyte)Math.Clamp(MathF.Round(v / scales[Channel(i)]), -127, 127)).ToArray();

        var name = weight.Name + "_int8";
        var stored = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int8, RawData = ByteString.CopyFrom((byte[])(Array)quantized) };
        stored.Dims.AddRange(dims);
        Add(graph, stored);
        var scaleName = Add(graph, Vector(weight.Name + "_scale", scales));
        var zeroName = Add(graph, new TensorProto { Name = weight.Name + "_zero_point", DataType = (int)TensorProto.Types.DataType.Int8, Dims = { channels }, RawData = ByteString.CopyFrom(new byte[channels]) });
        var dequantized = weight.Name + "_dequantized";
        nodes.Add(new NodeProto { OpType = "DequantizeLinear", Name = dequantized + "_DequantizeLinear", Input = { name, scaleName, zeroName }, Output = { dequantized }, Attribute = { new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = axis } } });
        conv.Input[1] = dequantized;
        graph.Initializer.Remove(weight);
        return scales;
    }

    private static void QuantizeBias(GraphProto graph, List<NodeProto> nodes, NodeProto conv, TensorProto bias, float[] scales)
    {
        var values = FloatValues(bias);
        var quantized = values.Select((v, c) => (int)Math.Clamp(Math.Round(v / scales[c]), int.MinValue, int.MaxValue)).ToArray();
        var name = bias.Name + "_int32";
        Add(graph, new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int32, Dims = { values.Length }, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(quantized.AsSpan())) });
        var scaleName = Add(graph, Vector(bias.Name + "_scale", scales));
        var zeroName = Add(graph, new TensorProto { Name = bias.Name + "_zero_point", DataType = (int)TensorProto.Types.DataType.Int32, Dims = { values.Length }, RawData = ByteString.CopyFrom(new byte[4 * values.Length]) });
        var dequantized = bias.Name + "_dequantized";
        nodes.Add(new NodeProto { OpType = "DequantizeLinear", Name = dequantized + "_DequantizeLinear", Input = { name, scaleName, zeroName }, Output = { dequantized }, Attribute = { new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 0 } } });
        conv.Input[2] = dequantized;
        graph.Initializer.Remove(bias);
    }

    private static float[] FloatValues(TensorProto tensor) =>
        tensor.FloatData.Count > 0 ? tensor.FloatData.ToArray() : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();

    private static TensorProto Scalar(string name, float value) =>
        new() { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(BitConverter.GetBytes(value)) };

    private static TensorProto Vector(string name, float[] values) =>
        new() { Name = name, DataType = (int)TensorProto.Types.DataType.Float, Dims = { values.Length }, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };

    private static string Add(GraphProto graph, TensorProto tensor)
    {
        graph.Initializer.Add(tensor);
        return tensor.Name;
    }
}
