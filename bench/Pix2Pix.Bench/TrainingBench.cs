using System.Diagnostics;
using Pix2Pix.Training.Data;
using Pix2Pix.Training.Options;
using Pix2Pix.Training.Training;
using ScottPlot;
using static Pix2Pix.Bench.Report;
using static TorchSharp.torch;

namespace Pix2Pix.Bench;

/// <summary>One training configuration the benchmark times: a label for the table, and its options (batch size, step kind).</summary>
public sealed record TrainingVariant(string Label, TrainOptions Options)
{
    public static TrainingVariant Naive(int threads) => new($"naive: first-written float32 step, batch 1, {threads} threads", new TrainOptions { Name = "bench", FastStep = false });

    public static TrainingVariant Fast(TrainingPrecision precision, int batchSize = 1) =>
        new($"fast step, {precision.ToString().ToLowerInvariant()} discriminator, batch {batchSize}", new TrainOptions { Name = "bench", Precision = precision, BatchSize = batchSize });

    /// <summary>The fast step with each batch split over <paramref name="replicas"/> copies of the networks, one thread each (<c>--replicas</c>).</summary>
    public static TrainingVariant Replicated(int replicas, double lrScale = 1) =>
        new($"fast step, bfloat16 discriminator, batch {replicas} over {replicas} replicas, one thread each{(lrScale == 1 ? "" : $", lr × {lrScale:0.##}")}",
            new TrainOptions { Name = "bench", BatchSize = replicas, Replicas = replicas, Lr = new TrainOptions { Name = "" }.Lr * lrScale });
}

/// <summary>
/// Section 4: images/s of full pix2pix steps (D and G), the reference's naive setting (the first-written float32 step,
/// batch 1) against the fast step and larger batches, measured in alternating chunks; and the λ·L1 curves of all of
/// them over the same images in the same order, to show whether they learn alike per image seen.
/// </summary>
public sealed class TrainingBench(Report report, string plotPath)
{
    /// <summary>How far the last quarter's λ·L1 may sit above the naive step's before the table says it learns less.</summary>
    public const double LearningTolerance = 0.10;

    public void Run(GeneratorConfig config, int images, IReadOnlyList<TrainingVariant> configurations, bool plot)
    {
        var pool = SyntheticPairs(config.Side, 32);
        var variants = configurations.Select(c =>
        {
            manual_seed(0); // the same initial weights for every variant
            return new Variant(c.Label, c.Options.BatchSize, new Pix2PixModel(config.Network, c.Options));
        }).ToArray();
        try
        {
            // Chunks of about 8 images per variant in turn, so machine noise falls on all of them alike.
            for (var seen = 0; seen < images; seen += 8)
            {
                foreach (var v in variants)
                {
                    for (var k = 0; k < Math.Max(1, 8 / v.BatchSize); k++) v.Step(pool);
                }
            }

            var naive = variants[0];
            report.Table(["generator", "configuration", "images/s", "vs naive", "λ·L1 over the last quarter", "vs naive", $"learns as well (within {LearningTolerance:P0})"],
                variants.Select(v => (IReadOnlyList<string>)[config.Label, v.Label, F(v.ImagesPerSecond, 2), $"{F(v.ImagesPerSecond / naive.ImagesPerSecond, 2)}×",
                    F(v.LateL1, 1), $"{v.LateL1 / naive.LateL1 - 1:+0.0%;-0.0%}", v.LateL1 <= naive.LateL1 * (1 + LearningTolerance) ? "yes" : "no"]));
            if (plot) Plot(variants, config);
        }
        finally
        {
            foreach (var v in variants) v.Model.Dispose();
            foreach (var (a, b) in pool) { a.Dispose(); b.Dispose(); }
        }
    }

    private void Plot(IEnumerable<Variant> variants, GeneratorConfig config)
    {
        PlotFonts.Ensure();
        var plot = new Plot();
        foreach (var v in variants)
        {
            var line = plot.Add.ScatterLine(v.Curve.Select(p => (double)p.Images).ToArray(), LossCurvePlot.Smooth(v.Curve.Select(p => p.L1).ToArray(), Math.Max(1, 8 / v.BatchSize)));
            line.LegendText = v.Label;
        }

        plot.Title($"{config.Label}: λ·L1 by images seen");
        plot.Axes.Bottom.Label.Text = "images seen";
        plot.Axes.Left.Label.Text = "λ·L1";
        plot.ShowLegend();
        plot.SavePng(plotPath, 800, 400);
        report.Line();
        report.Line($"![λ·L1 of every configuration over the same images]({Path.GetFileName(plotPath)})");
    }

    // Colour blocks (A) and a fixed colour mapping of them (B): a task a generator learns within a few hundred images.
    private static List<(Tensor A, Tensor B)> SyntheticPairs(int side, int count)
    {
        manual_seed(1);
        var pairs = new List<(Tensor, Tensor)>();
        for (var i = 0; i < count; i++)
        {
            var a = nn.functional.interpolate(rand(1, 3, side / 16, side / 16), [side, side], mode: InterpolationMode.Nearest).mul(2).sub(1);
            var b = a.index_select(1, tensor(new long[] { 2, 0, 1 })).neg();
            pairs.Add((a.detach().MoveToOuterDisposeScope(), b.detach().MoveToOuterDisposeScope()));
        }

        return pairs;
    }

    private sealed class Variant(string label, int batchSize, Pix2PixModel model)
    {
        public string Label { get; } = label;
        private readonly Stopwatch clock = new();
        private int next;

        public int BatchSize { get; } = batchSize;
        public Pix2PixModel Model { get; } = model;
        public List<(int Images, double L1)> Curve { get; } = [];
        public double ImagesPerSecond => next / clock.Elapsed.TotalSeconds;
        public double LateL1 => Curve.Skip(Curve.Count * 3 / 4).Average(p => p.L1);

        public void Step(List<(Tensor A, Tensor B)> pool)
        {
            using var scope = NewDisposeScope();
            var picked = Enumerable.Range(next, BatchSize).Select(i => pool[i % pool.Count]).ToArray();
            using var batch = new PairBatch(cat(picked.Select(p => p.A).ToArray(), 0), cat(picked.Select(p => p.B).ToArray(), 0), picked.Select((_, i) => $"synthetic {next + i}").ToArray());
            clock.Start();
            var losses = Model.OptimizeParameters(batch);
            clock.Stop();
            next += BatchSize;
            Curve.Add((next, losses.GL1));
        }
    }
}
