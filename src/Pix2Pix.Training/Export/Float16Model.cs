using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using Pix2Pix.Contracts;

namespace Pix2Pix.Training.Export;

/// <summary>
/// An exported generator rewritten to compute in float16 (a GPU's tensor cores): every float32 weight stored as float16,
/// the float32 input cast to float16 first and the result cast back, so callers still exchange float32 tensors. Weights
/// already stored as float16 (--fp16_weights) keep their casts, now to float16 (no-ops). A weight beyond float16's range
/// (±65504) is refused rather than turned into infinity. On a CPU, ONNX Runtime runs such a model slower than the float32
/// one; it is for GPUs.
/// </summary>
public static class Float16Model
{
    private const int Float = (int)TensorProto.Types.DataType.Float;
    private const int Float16 = (int)TensorProto.Types.DataType.Float16;

    public static ModelProto Convert(ModelProto model)
    {
        var converted = model.Clone();
        var graph = converted.Graph;
        foreach (var weight in graph.Initializer.Where(w => w.DataType == Float)) ToHalves(weight);
        foreach (var cast in graph.Node.Where(n => n.OpType == "Cast"))
        {
            foreach (var to in cast.Attribute.Where(a => a.Name == "to" && a.I == Float)) to.I = Float16;
        }

        var input = graph.Input.Single().Name;
        var output = graph.Output.Single().Name;
        var (halfInput, halfOutput) = (input + "_float16", output + "_float16");
        foreach (var node in graph.Node)
        {
            for (var i = 0; i < node.Input.Count; i++) if (node.Input[i] == input) node.Input[i] = halfInput;
            for (var i = 0; i < node.Output.Count; i++) if (node.Output[i] == output) node.Output[i] = halfOutput;
        }

        graph.Node.Insert(0, CastNode("Cast_input_float16", input, halfInput, Float16));
        graph.Node.Add(CastNode("Cast_output_float32", halfOutput, output, Float));
        graph.ValueInfo.Clear();   // intermediate types, if any were recorded, were float32
        SetFlag(converted, ModelCard.Keys.Float16Compute);
        SetFlag(converted, ModelCard.Keys.Fp16Weights);   // every weight is stored as float16 now
        return converted;
    }

    private static void SetFlag(ModelProto model, string key)
    {
        var flag = model.MetadataProps.FirstOrDefault(p => p.Key == key);
        if (flag is null) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = "true" });
        else flag.Value = "true";
    }

    private static void ToHalves(TensorProto weight)
    {
        var values = weight.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(weight.RawData.Span).ToArray() : weight.FloatData.ToArray();
        foreach (var value in values)
        {
            if (!float.IsFinite(value) || Math.Abs(value) > (float)Half.MaxValue)
            {
                throw new InvalidDataException($"weight '{weight.Name}' holds {value}, beyond float16's range (±65504); keep this model in float32");
            }
        }

        var halves = values.Select(v => (Half)v).ToArray();
        weight.FloatData.Clear();
        weight.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(halves.AsSpan()));
        weight.DataType = Float16;
    }

    private static NodeProto CastNode(string name, string input, string output, int to)
    {
        var node = new NodeProto { OpType = "Cast", Name = name };
        node.Input.Add(input);
        node.Output.Add(output);
        node.Attribute.Add(OnnxGraph.Int("to", to));
        return node;
    }
}
