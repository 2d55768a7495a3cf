using System.Text.Json;
using Pix2Pix.Contracts;
using Pix2Pix.Training.Data;
using Pix2Pix.Training.Inference;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Evaluation;

/// <summary>Mean scores of a model, and of the identity baseline (the input itself as the answer), over a split.</summary>
/// <param name="GeneratorColours">The paper's colour measure: histogram intersection of the outputs' L, a, b distributions with the targets'.</param>
public sealed record EvaluationReport(string Model, string Split, int Images, Summary Generator, Summary Identity, ColourIntersection GeneratorColours, ColourIntersection IdentityColours);

public sealed record Summary(double L1, double Psnr, double Ssim, double SharpnessRatio, double Colourfulness, double TargetColourfulness)
{
    public static Summary Mean(IReadOnlyList<ImageScores> scores) => new(
        scores.Average(s => s.L1), scores.Average(s => s.Psnr), scores.Average(s => s.Ssim),
        scores.Average(s => s.Sharpness), scores.Average(s => s.Colourfulness), scores.Average(s => s.TargetColourfulness));
}

/// <summary>Runs a generator over a split of A|B pairs, scores every output against its target, and writes metrics.json and a gallery.</summary>
public static class Evaluator
{
    public static EvaluationReport Run(ITranslator runner, IReadOnlyList<string> files, bool swap, string model, string split, string output)
    {
        var generator = new List<ImageScores>();
        var identity = new List<ImageScores>();
        var (inputs, outputs, targets) = (new LabHistograms(), new LabHistograms(), new LabHistograms());
        TestRun.Write(runner, files, swap, output, $"{model}: {split}", (a, fake, b) =>
        {
            using var scope = NewDisposeScope();
            var target = UnitTensor(b);
            generator.Add(ImageMetrics.Score(UnitTensor(fake), target));
            identity.Add(ImageMetrics.Score(UnitTensor(a), target));
            inputs.Add(a);
            outputs.Add(fake);
            targets.Add(b);
        });

        var report = new EvaluationReport(model, split, files.Count, Summary.Mean(generator), Summary.Mean(identity), outputs.Intersect(targets), inputs.Intersect(targets));
        File.WriteAllText(Path.Combine(output, "metrics.json"), JsonSerializer.Serialize(report, Training.RunRecord.Json));
        return report;
    }

    // 1×3×H×W in [0, 1], by the shared pixel conventions.
    private static Tensor UnitTensor(Image<Rgb24> image) =>
        (TensorImages.FromImage(image, 3) + 1) * 0.5;
}
