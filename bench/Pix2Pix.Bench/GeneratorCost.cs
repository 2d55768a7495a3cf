using Onnx;

namespace Pix2Pix.Bench;

/// <summary>
/// Multiply-accumulates of one generator pass at side S, read from its ONNX graph, whose nodes run in execution order:
/// the i-th Conv is the level-i downsampling and writes (S/2^(i+1))² pixels; the ConvTranspose nodes come innermost
/// first and read that many. Either way each of those pixels costs the whole kernel (the weight's element count).
/// </summary>
public static class GeneratorCost
{
    public static double MacsPerImage(string onnxPath, int levels, int side)
    {
        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnxPath)).Graph;
        var weights = graph.Initializer.ToDictionary(t => t.Name, t => t.Dims.Aggregate(1L, (a, b) => a * b));
        var (downs, ups) = (0, 0);
        double macs = 0;
        foreach (var node in graph.Node)
        {
            if (node.OpType == "Conv") macs += weights[node.Input[1]] * Pixels(side, downs++);
            else if (node.OpType == "ConvTranspose") macs += weights[node.Input[1]] * Pixels(side, levels - 1 - ups++);
        }

        if (downs != levels || ups != levels) throw new InvalidOperationException($"expected {levels} down and {levels} up convolutions, found {downs} and {ups}");
        return macs;
    }

    private static double Pixels(int side, int level) => Math.Pow(side / Math.Pow(2, level + 1), 2);
}
