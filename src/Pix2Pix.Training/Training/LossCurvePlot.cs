using ScottPlot;

namespace Pix2Pix.Training.Training;

/// <summary>Draws the loss curves: the adversarial terms on the left axis, λ·L1 (larger) on the right.</summary>
public static class LossCurvePlot
{
    public static void Write(IReadOnlyList<(long Step, StepLosses Losses)> points, string path)
    {
        if (points.Count == 0) return;
        PlotFonts.Ensure();
        var plot = new Plot();
        var steps = points.Select(p => (double)p.Step).ToArray();
        var smoothing = Math.Max(1, points.Count / 200);
        for (var i = 0; i < StepLosses.Names.Length; i++)
        {
            var index = i;
            var series = plot.Add.ScatterLine(steps, Smooth(points.Select(p => p.Losses.Values[index]).ToArray(), smoothing));
            series.LegendText = StepLosses.Names[i];
            if (StepLosses.Names[i] == "G_L1") series.Axes.YAxis = plot.Axes.Right;
        }

        plot.Title("Training losses");
        plot.Axes.Bottom.Label.Text = "step";
        // Whole steps on the step axis, never 0.5.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.Left.Label.Text = "GAN losses";
        plot.Axes.Right.Label.Text = "λ·L1";
        plot.ShowLegend();
        AtomicFile.Write(path, p => plot.SavePng(p, 900, 500));
    }

    /// <summary>A trailing moving average, so a curve of thousands of noisy steps stays readable.</summary>
    public static double[] Smooth(double[] values, int window)
    {
        if (window <= 1) return values;
        var result = new double[values.Length];
        double sum = 0;
        for (var i = 0; i < values.Length; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }

        return result;
    }
}
