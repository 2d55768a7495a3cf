using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Export;

/// <summary>
/// A small builder over the ONNX protobuf model (OnnxSharp): initialisers from tensors, nodes with
/// attributes, unique value names, and the finished <see cref="ModelProto"/>.
/// </summary>
public sealed class OnnxGraph(bool fp16Weights)
{
    private readonly GraphProto graph = new() { Name = "pix2pix_generator" };
    private readonly Dictionary<string, int> counters = [];

    public GraphProto Graph => graph;

    /// <summary>Adds a weight; as float16 plus a Cast when asked, so the file halves and the computation stays float32.</summary>
    public string Weight(string name, Tensor value)
    {
        using var cpu = value.detach().cpu().contiguous();
        var stored = fp16Weights ? name + "_fp16" : name;
        var proto = new TensorProto { Name = stored };
        proto.Dims.AddRange(cpu.shape);
        if (fp16Weights)
        {
            var halves = cpu.to_type(ScalarType.Float32).data<float>().ToArray().Select(v => (Half)v).ToArray();
            proto.DataType = (int)TensorProto.Types.DataType.Float16;
            proto.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(halves.AsSpan()));
            graph.Initializer.Add(proto);
            return Node("Cast", [stored], name, Int("to", (int)TensorProto.Types.DataType.Float));
        }

        proto.DataType = (int)TensorProto.Types.DataType.Float;
        proto.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(cpu.to_type(ScalarType.Float32).data<float>().ToArray().AsSpan()));
        graph.Initializer.Add(proto);
        return stored;
    }

    /// <summary>Adds an int64 constant (an operator's shape-like input, such as Pad's pads), never stored as float16.</summary>
    public string Constant(string name, long[] values)
    {
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.Add(values.Length);
        proto.Int64Data.AddRange(values);
        graph.Initializer.Add(proto);
        return name;
    }

    /// <summary>Adds a node and returns the name of its (single) output.</summary>
    public string Node(string opType, IEnumerable<string> inputs, string? output = null, params AttributeProto[] attributes)
    {
        var name = Unique(opType);
        output ??= name;
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
        return output;
    }

    public void Input(string name, int channels) => graph.Input.Add(Value(name, channels));

    public void Output(string name, int channels) => graph.Output.Add(Value(name, channels));

    public ModelProto Model(int opset, IReadOnlyDictionary<string, string> metadata, string producerVersion)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "pix2pix.net", ProducerVersion = producerVersion, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        foreach (var (key, value) in metadata) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static ValueInfoProto Value(string name, int channels)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = channels });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "height" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "width" });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private string Unique(string prefix)
    {
        counters[prefix] = counters.GetValueOrDefault(prefix) + 1;
        return $"{prefix}_{counters[prefix]}";
    }
}
